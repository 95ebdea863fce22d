"""Faust worker processes for integration tests, and bounded waiting on the read models."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


class Workers:
    """Starts `faust -A services.runner.faust_app worker` (the command `dignity worker` runs) as
    subprocesses with their own environment; every process started here is stopped here."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = {**os.environ, **env}
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, **extra: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker-{len(self.procs) + 1}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "faust", "-A", "services.runner.faust_app", "worker", "-l", "info"],
            cwd=ROOT, env={**self.env, **extra}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no shutdown hook runs, no offset is committed on the way out."""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 20
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def log_of(self, index: int) -> str:
        return (self.logs / f"worker-{index + 1}.log").read_text(errors="replace")

    def applied_by(self, index: int) -> int:
        """How many events worker `index` applied, from its log lines."""
        total = 0
        for line in self.log_of(index).splitlines():
            if "] applied " in line:
                total += int(line.split("] applied ")[1].split(",")[0])
        return total

    def tails(self) -> str:
        return "\n".join(f"--- worker {i + 1} ---\n" + "\n".join(self.log_of(i).splitlines()[-25:])
                         for i in range(len(self.procs)))

    def assert_alive(self) -> None:
        dead = [i + 1 for i, p in enumerate(self.procs) if p.poll() is not None and p.returncode != -signal.SIGKILL]
        assert not dead, f"worker(s) {dead} exited\n{self.tails()}"


def wait_for(probe: Callable[[], T], done: Callable[[T], bool], timeout: float, what: str,
             workers: Workers | None = None, every: float = 0.25) -> T:
    """Poll `probe` until `done(value)`; bounded in time, with the workers' logs in the failure message."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not done(value):
        if workers is not None:
            workers.assert_alive()
        if time.monotonic() > deadline:
            logs = workers.tails() if workers is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last value {value!r}\n{logs}")
        time.sleep(every)
        value = probe()
    return value


def counts(engine: Any, *tables: Any) -> tuple[int, ...]:
    from sqlalchemy import func, select

    with engine.connect() as conn:
        return tuple(int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables)
