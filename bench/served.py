"""The API as a user gets it, for the benchmarks: the real app served by uvicorn in a process of its own.

    with served(url) as base:            # http://127.0.0.1:PORT, ready; stopped when the block ends
        ...
    with served(url, bare=True) as base: # the same server with a bare ASGI app (the HTTP round trip alone)

The child binds 127.0.0.1 port 0 (a free port, no race for it), writes the port to a file the bench names, and
serves `create_app(url, deliver=False, tick_seconds=0)` on that socket as `dignity serve` does
(services/cli/commands/serve.py, `run`). The socket is made with `IPPROTO_TCP` named, as `loop.create_server`
makes the one `dignity serve` listens on, because asyncio sets TCP_NODELAY only on connections whose proto says
TCP: a plain `socket.socket(AF_INET, SOCK_STREAM)` (proto 0), or one handed over by descriptor (`uvicorn --fd`,
taken for a Unix socket), keeps Nagle's algorithm, which with the client's delayed ACK adds ~40 ms to every
answer (measured: 44 ms for a bare app). Readiness is waited for at most `READY_SECONDS`; the child is always
stopped (SIGTERM, then SIGKILL) when the block ends, whatever happened in it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

READY_SECONDS = 60.0
STOP_SECONDS = 10.0
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def served(url: str, bare: bool = False) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="dignity-served-") as folder:
        port_file, log_path = Path(folder) / "port", Path(folder) / "stderr"
        args = [sys.executable, "-m", "bench.served", url, str(port_file)] + (["--bare"] if bare else [])
        with log_path.open("wb") as log:
            child = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=log)
        try:
            yield _wait_ready(port_file, child, log_path)
        finally:
            child.terminate()
            try:
                child.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _wait_ready(port_file: Path, child: subprocess.Popen[bytes], log: Path) -> str:
    """The server's address once it answers (any status: /health needs a token); an error if the child exits
    first or the time is up."""
    deadline = time.monotonic() + READY_SECONDS
    while True:
        if child.poll() is not None:
            raise RuntimeError(f"the server exited ({child.returncode}): {log.read_text()[-2000:]}")
        if port_file.exists():
            base = f"http://127.0.0.1:{port_file.read_text()}"
            try:
                httpx.get(f"{base}/health", timeout=1.0)
                return base
            except httpx.TransportError:
                pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server was not ready in {READY_SECONDS:g} s: {log.read_text()[-2000:]}")
        time.sleep(0.05)


async def _bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The least an ASGI app can answer: a constant body, nothing read."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b'{"status":"ok"}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    import uvicorn

    url, port_file, bare = sys.argv[1], Path(sys.argv[2]), "--bare" in sys.argv[3:]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # the proto: see above
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    written = port_file.with_suffix(".part")
    written.write_text(str(listener.getsockname()[1]))
    written.rename(port_file)
    if bare:
        uvicorn.Server(uvicorn.Config(_bare, log_level="info")).run(sockets=[listener])
        return
    from services.api.app import create_app
    from services.cli.commands.serve import run

    run(create_app(url, deliver=False, tick_seconds=0), sockets=[listener])


if __name__ == "__main__":
    main()
