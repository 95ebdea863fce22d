"""Memory and time of `POST /events` for a body of short bad lines (issue 9: an 8 MB body once made a 990 MB
answer and 5.3 GB of server memory), beside the raw ceiling on the same body in the same run.

    python -m bench.post_answer [--mb 8]

Each measurement runs in a fresh process and reports its peak resident memory:
- raw: read the body, try each line as JSON, write a one-line rejection per line to a temporary file
  (the least any server must do with it);
- post: the API (TestClient, embedded SQLite, a farm token) answering the same body, the answer read in
  pieces as a client would read a stream.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def body(mb: float) -> bytes:
    return b"x\n" * int(mb * 1024 * 1024 / 2)


def raw(mb: float) -> dict[str, float]:
    import orjson

    data = body(mb)
    started = time.perf_counter()
    out = 0
    with tempfile.TemporaryFile() as sink:
        for number, line in enumerate(data.splitlines(), start=1):
            try:
                orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                out += sink.write(orjson.dumps({"line": number, "error": str(exc)}))
    return {"seconds": time.perf_counter() - started, "answer_bytes": out}


def post(mb: float) -> dict[str, float]:
    from fastapi.testclient import TestClient

    from services.api.app import create_app
    from services.auth.tokens import TokenStore
    from tests.conftest import event
    from tests.unit.test_su_common import at

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'ledger.db'}"
        client = TestClient(create_app(url, deliver=False))
        token = TokenStore(client.app.state.engine).issue("mdsc", "bench").secret  # type: ignore[attr-defined]
        enrol = event("FarmEnrolled", "farm-1", at("2025-01-06"), {
            "owner_id": "o", "name": "F", "jurisdiction": "VT", "enrolled_on": "2025-01-06"})
        client.post("/events", content=json.dumps(enrol), headers={"Authorization": f"Bearer {token}"})
        farm = TokenStore(client.app.state.engine).issue("farm", "farm-1").secret  # type: ignore[attr-defined]
        data = body(mb)
        started = time.perf_counter()
        size = 0
        with client.stream("POST", "/events", content=data, headers={"Authorization": f"Bearer {farm}"}) as answer:
            for piece in answer.iter_bytes():
                size += len(piece)
        return {"seconds": time.perf_counter() - started, "answer_bytes": size, "status": answer.status_code}


def measure(kind: str, mb: float) -> dict[str, float]:
    """Run one measurement in a fresh process: its peak memory is its own."""
    out = subprocess.run([sys.executable, "-m", "bench.post_answer", "--one", kind, "--mb", str(mb)],
                         capture_output=True, text=True, timeout=1800, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=8.0)
    parser.add_argument("--one", choices=["raw", "post"])
    args = parser.parse_args()
    if args.one:
        result = (raw if args.one == "raw" else post)(args.mb)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    lines = int(args.mb * 1024 * 1024 / 2)
    print(f"body: {args.mb} MB of short bad lines ({lines} lines)")
    for kind in ("raw", "post"):
        r = measure(kind, args.mb)
        print(f"{kind:5s} peak RSS {r['peak_rss_mb']:8.1f} MB   answer {r['answer_bytes'] / 1e6:8.1f} MB   "
              f"{r['seconds']:7.1f} s   {lines / r['seconds']:9.0f} lines/s"
              + (f"   HTTP {int(r['status'])}" if "status" in r else ""))


if __name__ == "__main__":
    main()
