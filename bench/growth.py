"""Growth: do the engine's costs stay flat as the ledger ages? (issue 8)

    python -m bench.growth [--farms 100] [--months 36] [--seed 1] [--parts 8] [--samples 100] [--profile [first|last]]
                           [--no-queries] [--farm-page-of URL] [--case-page-of URL]

One run, one generated program (`dignity generate`), written as JSON Lines and split into `--parts` files in
order. Each file is ingested as `dignity ingest FILE` does it (a fresh embedded ledger on the same SQLite
database: catch up, then validate, seal, append and project in batches); the rate of each part shows whether
an old ledger ingests slower than a young one. Beside it, measured in the same run on the same lines:

- the raw ceiling: orjson decode + one SQLite `executemany` per 2,000 lines into a table with a unique event_id,
  timed on each part just before that part's ingest (the machine may be shared: both see the same load);
- `dignity rebuild` beside a raw read (SQLite select + decode of the same rows: zstd as stored, then orjson);
- database bytes ÷ JSON Lines bytes;
- query latency on the aged ledger, through the functions the API calls: per farm (deadlines, findings,
  passthrough, standing, history) p50/p99, and the program-wide deadlines (every farm). Deadlines and findings
  are read from their stored rows (services/store/answers.py); the first ask after a change folds the farm's
  states, and is timed on its own (the rows emptied first);
- the same per-farm answers through the API as a user gets them (`api_latency`): the app served by uvicorn in a
  process of its own (bench/served.py), one kept-alive HTTP connection, an MDSC token, beside a bare ASGI app on
  the same server (the HTTP round trip) and `GET /health` (a routed, authenticated request that reads nothing);
- the dashboard's farm page (`farm_page`, and its route in process), MDSC's, on random farms; `--farm-page-of URL`
  times it alone on a ledger already aged (beside the same raw ceiling);
- the dashboard's case page (`case`, and its route in process), MDSC's, on a random case of random farms, its
  history read beside the farm's whole history as it read it before; `--case-page-of URL` times it alone.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import delete

from bench.common import CEILING_BATCH, err, machine, per_second, profiled, program_lines, show, timed
from projections.calendar import add_months
from services.api.responses import json_array, json_arrays
from services.cli.common import parse_moment
from services.cli.main import count_lines
from services.generate.calendar import parse_month
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.ledger.parallel import reader_for
from services.ledger.ticker import warm_answers
from services.store.bodies import unpack
from services.store.database import now
from services.store.schema import answers
from services.store.states import plain_part

START = "2025-01"


def split(lines: list[bytes], parts: int, folder: Path) -> list[Path]:
    """The log as `parts` JSON Lines files, in order."""
    size = -(-len(lines) // parts)
    paths = []
    for i in range(parts):
        path = folder / f"part-{i + 1}.jsonl"
        path.write_bytes(b"".join(line + b"\n" for line in lines[i * size : (i + 1) * size]))
        paths.append(path)
    return paths


def cpu_seconds() -> float:
    """CPU time of this process and of its children that ended (the ingest's reading worker), user + system."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def ingest_file(url: str, path: Path) -> tuple[int, float]:
    """`dignity ingest FILE` on an embedded database: a new ledger (as a new process would open), one file."""
    started = time.perf_counter()
    # As `dignity ingest` reads a file: a big one on two cores, its first lines sent to the worker before the
    # ledger opens (in a new process the ledger's imports come in between).
    with reader_for(count_lines(path)) as read, path.open("rb") as handle:
        parsed = read(handle)
        ledger = EmbeddedLedger(url)
        report = ledger.ingest(parsed)
        ledger.engine.dispose()
    seconds = time.perf_counter() - started
    assert not report.rejected, report.as_json()["rejected"][:3]
    return report.accepted, seconds


def raw_table(folder: Path) -> sqlite3.Connection:
    """The raw ceiling's database: one table with a unique event_id, as the log has."""
    conn = sqlite3.connect(folder / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, body BLOB)")
    return conn


def raw_ceiling(conn: sqlite3.Connection, lines: list[bytes]) -> float:
    """orjson decode + one executemany per CEILING_BATCH lines into the raw table: nothing else. Run on each part just
    before its ingest, so both see the same load on a shared machine."""

    def run() -> None:
        for i in range(0, len(lines), CEILING_BATCH):
            rows = [(orjson.loads(line)["event_id"], line) for line in lines[i : i + CEILING_BATCH]]
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO events (event_id, body) VALUES (?, ?)", rows)
            conn.execute("COMMIT")

    _, seconds = timed(run)
    return seconds


def raw_read(db: Path) -> tuple[int, float]:
    """SQLite select of every log row in order + decode of each body (zstd, as stored, then orjson): the floor
    of a replay."""
    conn = sqlite3.connect(db)

    def run() -> int:
        n = 0
        for (body,) in conn.execute("SELECT body FROM events ORDER BY position"):
            orjson.loads(unpack(body))
            n += 1
        return n

    count, seconds = timed(run)
    conn.close()
    return count, seconds


def db_bytes(db: Path) -> int:
    """The database file after a WAL checkpoint (what stays on disk)."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def latencies(fn: Callable[[], Any], samples: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    took = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        took.append((time.perf_counter() - started) * 1000)
    if len(took) == 1:
        return took[0], took[0]
    q = statistics.quantiles(took, n=100, method="inclusive")
    return q[49], q[98]


def query_rows(url: str, months: int, samples: int, program_samples: int, seed: int) -> list[list[str]]:
    from services.store.database import connect

    engine = connect(url)
    farms = queries.farm_ids(engine)
    last = add_months(parse_month(START), months) - timedelta(days=1)
    as_of = parse_moment(last.isoformat())
    period = add_months(parse_month(START), months - 2).isoformat()[:7]  # a month whose remittance is due
    known_at = now()
    rng = random.Random(seed)
    per_farm: dict[str, Callable[[str], Any]] = {
        "deadlines (farm)": lambda f: queries.deadlines(engine, f, as_of),
        "deadlines (farm, as GET sends it)": lambda f: b"".join(json_arrays(
            queries.answer_bodies(engine, "deadlines", f, as_of, []))),
        "findings (farm)": lambda f: queries.findings(engine, f, as_of),
        "passthrough (farm, month)": lambda f: queries.passthrough(engine, f, period, as_of),
        "standing (farm)": lambda f: queries.standing(engine, f, as_of),
        "history (farm, a page of 200 anywhere in it, as GET sends it)": lambda f: b"".join(json_array(
            orjson.Fragment(body) for _, body in queries.farm_history_page(
                engine, f, as_of, known_at, rng.randrange(max(1, last_seq[f] - 200)), 200).rows)),
        "history (farm, whole, as GET sent it before pages)": lambda f: b"".join(json_array(
            orjson.Fragment(body) for _, body in queries.farm_history_encoded(engine, f, as_of, known_at))),
        "history (farm, decoded)": lambda f: queries.farm_history(engine, f, as_of, known_at),
    }
    raw_engine = sqlite3.connect(url.removeprefix("sqlite:///"))

    def raw_farm(farm: str) -> None:
        raw_states(raw_engine, farm)

    def raw_log(farm: str) -> None:  # the floor of a history: read the farm's log rows, decompress each body
        for (blob,) in raw_engine.execute("SELECT body FROM events WHERE farm_id = ?", (farm,)):
            unpack(blob)

    def raw_log_page(farm: str) -> None:  # the floor of a history page: 200 of the farm's log rows
        after = raw_engine.execute("SELECT position FROM events WHERE farm_id = ? ORDER BY position LIMIT 1 OFFSET ?",
                                   (farm, rng.randrange(max(1, last_log[farm] - 200)))).fetchone()[0]
        for (blob,) in raw_engine.execute("SELECT body FROM events WHERE farm_id = ? AND position > ? "
                                          "ORDER BY position LIMIT 200", (farm, after)):
            unpack(blob)

    last_seq = dict(raw_engine.execute("SELECT farm_id, max(seq) FROM history GROUP BY farm_id").fetchall())
    last_log = dict(raw_engine.execute("SELECT farm_id, count(*) FROM events GROUP BY farm_id").fetchall())
    rows = []
    p50, p99 = latencies(lambda: raw_farm(rng.choice(farms)), samples)
    rows.append(["raw: select + decode a farm's state rows", f"{p50:.1f}", f"{p99:.1f}", "ceiling"])
    p50, p99 = latencies(lambda: raw_log(rng.choice(farms)), samples)
    rows.append(["raw: select + decompress a farm's log bodies", f"{p50:.1f}", f"{p99:.1f}", "ceiling (history)"])
    p50, p99 = latencies(lambda: raw_log_page(rng.choice(farms)), samples)
    rows.append(["raw: select + decompress 200 of a farm's log bodies", f"{p50:.1f}", f"{p99:.1f}",
                 "ceiling (history page)"])
    err.print(f"  query deadlines (all {len(farms)} farms, first ask after the ingest)")
    with engine.begin() as conn:
        conn.execute(delete(answers))
    p50, _ = latencies(lambda: queries.deadlines(engine, None, as_of), 1)
    rows.append([f"deadlines (all {len(farms)} farms, first ask: folds)", f"{p50:.1f}", f"{p50:.1f}", "-"])
    for kind in ("deadlines", "findings"):  # the first ask after a change folds the farm; then rows are read
        err.print(f"  query {kind} (farm, first ask after the ingest) x {min(samples, len(farms))}")
        with engine.begin() as conn:
            conn.execute(delete(answers))
        cold = iter(rng.sample(farms, min(samples, len(farms))))
        p50, p99 = latencies(lambda fn=per_farm[f"{kind} (farm)"], farms=cold: fn(next(farms)),  # type: ignore[misc]
                             min(samples, len(farms)))
        rows.append([f"{kind} (farm, first ask: folds)", f"{p50:.1f}", f"{p99:.1f}", "-"])
    warm_answers(engine, as_of)  # what the server's timer keeps stored for every farm after each tick
    for name, fn in per_farm.items():  # what the timer does not keep (a month's pass-through) is stored when asked
        err.print(f"  query {name} x {samples}, each asked twice")
        asked = [rng.choice(farms) for _ in range(samples)]
        first, again = iter(asked), iter(asked)
        p50, p99 = latencies(lambda fn=fn, farms=first: fn(next(farms)), samples)  # type: ignore[misc]
        rows.append([f"{name}: as asked", f"{p50:.1f}", f"{p99:.1f}", "< 10 ms p99"])
        p50, p99 = latencies(lambda fn=fn, farms=again: fn(next(farms)), samples)  # type: ignore[misc]
        rows.append([f"{name}: asked again", f"{p50:.1f}", f"{p99:.1f}", "< 10 ms p99"])
    err.print(f"  query deadlines (all {len(farms)} farms) x {program_samples}")
    p50, p99 = latencies(lambda: queries.deadlines(engine, None, as_of), program_samples)
    rows.append([f"deadlines (all {len(farms)} farms, decoded: the CLI)", f"{p50:.1f}", f"{p99:.1f}", "< 1 s"])
    p50, p99 = latencies(lambda: b"".join(json_arrays(queries.answer_bodies(engine, "deadlines", None, as_of, []))),
                         program_samples)
    rows.append([f"deadlines (all {len(farms)} farms, joined: GET /deadlines)", f"{p50:.1f}", f"{p99:.1f}", "< 1 s"])
    rows.extend(farm_page_rows(url, last, samples, rng)[1:])  # its ceiling is the first row above
    rows.extend(case_page_rows(url, last, samples, rng)[1:])
    rows.extend(api_latency(url, farms, last.isoformat(), period, samples, rng))
    rows.extend(next_day(engine, farms, as_of))
    engine.dispose()
    return rows


def raw_states(conn: sqlite3.Connection, farm: str) -> None:
    """The floor of a per-farm answer: read and decode the farm's stored state rows."""
    for table in ("projection_state", "state_parts"):
        for (blob,) in conn.execute(f"SELECT state FROM {table} WHERE key = ?", (farm,)):
            orjson.loads(plain_part(blob))


def farm_page_rows(url: str, last: date, samples: int, rng: random.Random) -> list[list[str]]:
    """The dashboard's farm page of random farms as MDSC sees it: built (`farm_page`) as of `last` and as of a
    year and two before (`ages`), and through its route in process as of `last` (TestClient, a bearer token, the
    HTML read whole), beside the raw ceiling of a per-farm answer timed in the same run (the farm's state rows
    read and decoded)."""
    from fastapi.testclient import TestClient

    from services.api.app import create_app
    from services.auth.roles import Principal
    from services.auth.tokens import TokenStore
    from services.dashboard.pages import farm_page
    from services.store.database import connect

    engine, raw = connect(url), sqlite3.connect(url.removeprefix("sqlite:///"))
    farms, who = queries.farm_ids(engine), Principal("mdsc", "bench")
    headers = {"Authorization": f"Bearer {TokenStore(engine).issue('mdsc', 'bench').secret}"}
    err.print(f"  dashboard farm page x {samples}, each asked twice")
    rows = []
    p50, p99 = latencies(lambda: raw_states(raw, rng.choice(farms)), samples)
    rows.append(["raw: select + decode a farm's state rows", f"{p50:.1f}", f"{p99:.1f}", "ceiling"])
    asked = [rng.choice(farms) for _ in range(samples)]
    for day in ages(last):  # the same farms a year younger, two years younger: does the page grow with age?
        moment = parse_moment(day.isoformat())
        for label in ("as asked", "asked again"):
            built = iter(asked)

            def build(built: Any = built, moment: Any = moment) -> Any:
                return farm_page(engine, who, next(built), moment)
            p50, p99 = latencies(build, samples)
            rows.append([f"dashboard farm page (farm_page, MDSC) as of {day}: {label}", f"{p50:.1f}", f"{p99:.1f}",
                         "-"])
        rows.extend(page_reads(engine, who, asked, moment, day))
    with TestClient(create_app(url, deliver=False, tick_seconds=0), headers=headers) as client:
        def get(farm: str) -> None:
            page = client.get(f"/dashboard/farms/{farm}?as_of={last.isoformat()}")
            if page.status_code != 200:
                raise RuntimeError(f"{farm}: HTTP {page.status_code} {page.text[:200]!r}")
        served = iter(asked)
        p50, p99 = latencies(lambda: get(next(served)), samples)
        rows.append(["GET /dashboard/farms/{id} (in-process TestClient, MDSC)", f"{p50:.1f}", f"{p99:.1f}", "-"])
    raw.close()
    engine.dispose()
    return rows


def page_reads(engine: Any, who: Any, farms: list[str], moment: datetime, day: date) -> list[list[str]]:
    """The farm page's own history reads (the year its timeline marks, the conduct events) beside the farm's
    whole history as the page read it before (decoded, as the principal may see it)."""
    from services.auth import policy
    from services.dashboard.pages import page_history

    enrolled = {f: date.fromisoformat((queries.load_state(engine, "membership", f) or {})["enrolled_on"])
                for f in farms}  # the page has it from its view: not timed

    def bounded(farm: str) -> int:
        return sum(map(len, page_history(engine, who, farm, moment, enrolled[farm], day)))

    def whole(farm: str) -> int:
        return len([policy.visible(who, body) for body in queries.farm_history(engine, farm, moment, now())])

    rows = []
    for name, read in (("the farm page's history reads", bounded), ("the whole history, as the page read it "
                                                                    "before", whole)):
        events = statistics.median(read(farm) for farm in farms)  # not timed: how many events each decodes
        asked = iter(farms)
        p50, p99 = latencies(lambda read=read, asked=asked: read(next(asked)), len(farms))  # type: ignore[misc]
        rows.append([f"  {name} as of {day} (median {events:.0f} events)", f"{p50:.1f}", f"{p99:.1f}", "-"])
    return rows


def case_page_rows(url: str, last: date, samples: int, rng: random.Random) -> list[list[str]]:
    """The dashboard's case page as MDSC sees it, of a random case of each of random farms, as of `last`: built
    (`case`) and through its route in process; its history read (conduct events, `cases.NEVER_SHOWN` left out
    in SQL) beside the farm's whole history as it read it before; beside the raw ceiling of a per-farm answer."""
    from fastapi.testclient import TestClient

    from services.api.app import create_app
    from services.auth.roles import Principal
    from services.auth.tokens import TokenStore
    from services.dashboard import cases, timeline
    from services.store.database import connect

    engine, raw = connect(url), sqlite3.connect(url.removeprefix("sqlite:///"))
    farms, who, moment = queries.farm_ids(engine), Principal("mdsc", "bench"), parse_moment(last.isoformat())
    headers = {"Authorization": f"Bearer {TokenStore(engine).issue('mdsc', 'bench').secret}"}
    asked = []  # not timed: the cases the farm page links to
    for farm in (rng.choice(farms) for _ in range(samples)):
        found = cases.cases_of(queries.farm_history(engine, farm, moment, now(), exclude=timeline.NOT_CONDUCT))
        if found:
            asked.append((farm, *rng.choice(found)))
    err.print(f"  dashboard case page x {len(asked)}, each asked twice")
    p50, p99 = latencies(lambda: raw_states(raw, rng.choice(farms)), samples)
    rows = [["raw: select + decode a farm's state rows", f"{p50:.1f}", f"{p99:.1f}", "ceiling"]]
    for label in ("as asked", "asked again"):
        built = iter(asked)
        p50, p99 = latencies(lambda built=built: cases.case(engine, who, *next(built), moment),  # type: ignore[misc]
                             len(asked))
        rows.append([f"dashboard case page (case, MDSC) as of {last}: {label}", f"{p50:.1f}", f"{p99:.1f}", "-"])
    for name, exclude in (("the case page's history read", cases.NEVER_SHOWN),
                          ("the whole history, as the case page read it before", frozenset[str]())):
        events = statistics.median(len(queries.farm_history(engine, f, moment, now(), exclude=exclude))
                                   for f, *_ in asked)  # not timed: how many events each decodes
        read = iter(asked)
        p50, p99 = latencies(lambda read=read, exclude=exclude: queries.farm_history(  # type: ignore[misc]
            engine, next(read)[0], moment, now(), exclude=exclude), len(asked))
        rows.append([f"  {name} (median {events:.0f} events)", f"{p50:.1f}", f"{p99:.1f}", "-"])
    with TestClient(create_app(url, deliver=False, tick_seconds=0), headers=headers) as client:
        def get(farm: str, kind: str, case_id: str) -> None:
            page = client.get(f"/dashboard/farms/{farm}/cases/{kind}/{case_id}?as_of={last.isoformat()}")
            if page.status_code != 200:
                raise RuntimeError(f"{farm} {kind} {case_id}: HTTP {page.status_code} {page.text[:200]!r}")
        served = iter(asked)
        p50, p99 = latencies(lambda: get(*next(served)), len(asked))
        rows.append(["GET /dashboard/farms/{id}/cases/{kind}/{case} (in-process TestClient, MDSC)", f"{p50:.1f}",
                     f"{p99:.1f}", "-"])
    raw.close()
    engine.dispose()
    return rows


def ages(last: date) -> list[date]:
    """`last` and the same day one and two years before, those within the program (from START)."""
    first = parse_month(START)
    return [day for day in (add_months(last, -24), add_months(last, -12), last) if day >= first]


def next_day(engine: Any, farms: list[str], as_of: Any) -> list[list[str]]:
    """The first program-wide ask after midnight, as the server's timer leaves it: it ticked today and stored
    every farm's answers for today and the day after (`warm_answers`); the night's tick writes what time alone
    brought, which gives those farms a new stamp; then MDSC asks. Beside it, the same ask with nothing stored
    (every farm folded)."""
    from services.store.answers import read

    tomorrow = as_of + timedelta(days=1)
    err.print(f"  the timer's tick and warm today, the night's tick, then deadlines of all {len(farms)} farms")
    EmbeddedLedger(engine=engine, clock=lambda: as_of).tick(as_of)  # the bench ingests without ticking
    warm_answers(engine, as_of)
    ticked = EmbeddedLedger(engine=engine, clock=lambda: tomorrow).tick(tomorrow)
    changed = {d["farm_id"] for d in ticked.derived} | {e.farm_id for e in ticked.appended}
    with engine.connect() as conn:
        ready = len(read(conn, "deadlines", farms, tomorrow)[1])
    p50, _ = latencies(lambda: queries.deadlines(engine, None, tomorrow), 1)
    rows = [[f"deadlines (all {len(farms)} farms, the next day's first ask: {ready} read as stored the day before,"
             f" the tick changed {len(changed)})", f"{p50:.1f}", f"{p50:.1f}", "< 1 s"]]
    with engine.begin() as conn:
        conn.execute(delete(answers))
    p50, _ = latencies(lambda: queries.deadlines(engine, None, tomorrow), 1)
    rows.append([f"deadlines (all {len(farms)} farms, the next day, nothing stored: folds)", f"{p50:.1f}",
                 f"{p50:.1f}", "-"])
    return rows


API_PATHS = {
    "GET /health (floor: the API's own cost)": "/health",
    "GET /deadlines?farm=": "/deadlines?farm={f}&as_of={d}", "GET /findings?farm=": "/findings?farm={f}&as_of={d}",
    "GET /farms/{id}/passthrough": "/farms/{f}/passthrough?period={p}&as_of={d}",
    "GET /farms/{id}/standing": "/farms/{f}/standing?as_of={d}",
    "GET /farms/{id}/history (a page of 200 anywhere in it)": "/farms/{f}/history?after={a}",
}


def api_latency(url: str, farms: list[str], as_of: str, period: str, samples: int,
                rng: random.Random) -> list[list[str]]:
    """The per-farm answers as a user gets them: the app served by uvicorn in its own process on 127.0.0.1
    (bench/served.py, as `dignity serve` runs it), asked over one kept-alive HTTP connection (httpx) with an
    MDSC token, the body read whole; each farm asked twice. Beside them, in the same run: a bare ASGI app on
    the same server (the HTTP round trip alone, the ceiling) and `GET /health` (the floor of a routed,
    authenticated request). Then the same through Starlette's in-process TestClient as this bench used it
    before (labelled so): not what a user sees."""
    import httpx
    from fastapi.testclient import TestClient

    from bench.served import served
    from services.api.app import create_app
    from services.auth.tokens import TokenStore
    from services.store.database import connect

    engine = connect(url)
    token = TokenStore(engine).issue("mdsc", "bench").secret
    with engine.connect() as conn:
        last_seq = dict(conn.exec_driver_sql("SELECT farm_id, max(seq) FROM history GROUP BY farm_id").all())
    engine.dispose()
    headers = {"Authorization": f"Bearer {token}"}

    def ask(path: str) -> str:
        farm = rng.choice(farms)
        return path.format(f=farm, d=as_of, p=period, a=rng.randrange(max(1, last_seq.get(farm, 0) - 200)))
    asked = {name: [ask(path) for _ in range(samples)] for name, path in API_PATHS.items()}
    rows = []

    def timed_gets(name: str, get: Callable[[str], tuple[int, bytes]], prefix: str = "") -> None:
        err.print(f"  {prefix}{name} x {samples}, each asked twice")
        floor = API_PATHS[name] == "/health"
        for label in ("as asked", "asked again"):
            calls = iter(asked[name])

            def one(calls: Any = calls) -> None:
                path = next(calls)
                status, body = get(path)
                if status != 200:
                    raise RuntimeError(f"{path}: HTTP {status} {body[:200]!r}")
            p50, p99 = latencies(one, samples)
            rows.append([f"{prefix}{name}: {label}", f"{p50:.1f}", f"{p99:.1f}",
                         "floor" if floor else "< 10 ms p99" if not prefix else "-"])

    def over(client: httpx.Client) -> Callable[[str], tuple[int, bytes]]:
        def get(path: str) -> tuple[int, bytes]:
            answer = client.get(path, headers=headers)
            return answer.status_code, answer.content  # read whole
        return get

    with served(url, bare=True) as base, httpx.Client(base_url=base) as client:
        bare = over(client)
        bare("/")  # the connection opened before the clock starts
        p50, p99 = latencies(lambda: bare("/"), samples * 2)
        rows.append(["raw: bare ASGI app on uvicorn, one kept-alive connection", f"{p50:.1f}", f"{p99:.1f}",
                     "ceiling (HTTP)"])
    with served(url) as base, httpx.Client(base_url=base) as client:
        over(client)("/health")
        for name in API_PATHS:
            timed_gets(name, over(client))
    # As this bench measured before: no `with`, so each request starts its own portal (a thread and an event
    # loop) inside the TestClient. Asked after the server's rows, so "as asked" here is already warm.
    in_process = TestClient(create_app(url, deliver=False, tick_seconds=0))
    for name in API_PATHS:
        timed_gets(name, over(in_process), prefix="in-process TestClient, ")
    in_process.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--farms", type=int, default=100)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parts", type=int, default=8, help="files the log is split into, ingested in order")
    parser.add_argument("--samples", type=int, default=100, help="calls per per-farm query (random farms)")
    parser.add_argument("--program-samples", type=int, default=3, help="calls of the program-wide deadlines")
    parser.add_argument("--profile", nargs="?", const="last", choices=["first", "last"],
                        help="cProfile the ingest of the last part (or of the first: --profile first)")
    parser.add_argument("--no-queries", action="store_true", help="ingest and rebuild only (no query latencies)")
    parser.add_argument("--farm-page-of", metavar="URL", help="only the dashboard farm page's latencies, on this "
                        "aged ledger (e.g. one `dignity ingest` wrote), as of the last day of --months from " + START)
    parser.add_argument("--case-page-of", metavar="URL", help="only the dashboard case page's latencies, likewise")
    args = parser.parse_args()
    last = add_months(parse_month(START), args.months) - timedelta(days=1)
    for url, title, rows_of in ((args.farm_page_of, "dashboard farm page (ms)", farm_page_rows),
                                (args.case_page_of, "dashboard case page (ms)", case_page_rows)):
        if url:  # one page alone, on a ledger already aged
            show(title, ["query", "p50", "p99", "target"], rows_of(url, last, args.samples, random.Random(args.seed)))
            print(f"machine: {machine()}")
            return
    folder = Path(tempfile.mkdtemp(prefix="dignity-growth-"))
    try:
        run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # ~150 MB at 100 x 36: a bench leaves nothing behind


def run(args: argparse.Namespace, folder: Path) -> None:
    err.print(f"generate {args.farms} farms x {args.months} months (in {folder})")
    lines, _ = program_lines(args.farms, args.months, args.seed)
    n = len(lines)
    paths = split(lines, args.parts, folder)
    jsonl_bytes = sum(p.stat().st_size for p in paths)

    db = folder / "ledger.db"
    url = f"sqlite:///{db}"
    rates: list[tuple[int, float]] = []
    raw = raw_table(folder)
    ceilings: list[float] = []
    cpu: list[float] = []
    profiled_part = {"first": 1, "last": len(paths)}.get(args.profile or "")
    for i, path in enumerate(paths, 1):
        err.print(f"ingest part {i}/{len(paths)} ({path.stat().st_size / 1e6:.1f} MB), after its raw ceiling")
        os.sync()  # what the engine left for the disk to write is not charged to the ceiling, nor the reverse
        ceilings.append(raw_ceiling(raw, path.read_bytes().splitlines()))
        os.sync()
        with profiled(i == profiled_part):
            spent = cpu_seconds()
            rates.append(ingest_file(url, path))
            cpu.append(cpu_seconds() - spent)
        err.print(f"  {per_second(*rates[-1])}")
    ingested = sum(c for c, _ in rates)
    ingest_seconds = sum(s for _, s in rates)
    size_ingest = db_bytes(db)
    raw.close()

    err.print("rebuild")
    ledger = EmbeddedLedger(url)
    done = [0]

    def tell(k: int) -> None:
        done[0] += k
        err.print(f"  rebuilt {done[0]:,}/{n:,}")

    read, before = raw_read(db)  # before and after the rebuild: the mean is the floor beside it
    replayed, rebuild_seconds = timed(lambda: ledger.rebuild(tell))
    ledger.engine.dispose()
    size_rebuild = db_bytes(db)
    _, after = raw_read(db)
    read_seconds = (before + after) / 2

    query: list[list[str]] = []
    if not args.no_queries:
        err.print("queries on the aged ledger")
        query = query_rows(url, args.months, args.samples, args.program_samples, args.seed)

    first, last = rates[0][0] / rates[0][1], rates[-1][0] / rates[-1][1]
    show(f"ingest by part: {args.farms} farms x {args.months} months = {n:,} events, "
         f"{jsonl_bytes / 1e6:.1f} MB JSON Lines", ["part", "events", "seconds", "events/s", "raw ceiling",
                                                     "÷ ceiling", "CPU µs/event"],
         [[str(i), f"{c:,}", f"{s:.2f}", per_second(c, s), per_second(c, top), f"{top / s:.3f}", f"{t / c * 1e6:.0f}"]
          for i, ((c, s), top, t) in enumerate(zip(rates, ceilings, cpu, strict=True), 1)])
    whole = ingested / ingest_seconds
    cpu_first_last = cpu[0] / rates[0][0] * 1e6, cpu[-1] / rates[-1][0] * 1e6
    raw = n / sum(ceilings)
    rebuild = replayed / rebuild_seconds
    raw_r = read / read_seconds
    show("growth (issue 8)", ["measure", "engine", "ceiling / other", "ratio", "target"], [
        ["ingest rate, last part ÷ first part", f"{last:,.0f}/s", f"{first:,.0f}/s", f"{last / first:.2f}", "≥ 0.8"],
        ["CPU µs per event (process + its reading worker), last part and first; ratio: first ÷ last",
         f"{cpu_first_last[1]:.0f} µs", f"{cpu_first_last[0]:.0f} µs", f"{cpu_first_last[0] / cpu_first_last[1]:.2f}",
         "-"],
        ["the same, each part beside its own raw ceiling (same lines, same minute)",
         f"{ceilings[-1] / rates[-1][1]:.3f}", f"{ceilings[0] / rates[0][1]:.3f}",
         f"{(ceilings[-1] / rates[-1][1]) / (ceilings[0] / rates[0][1]):.2f}", "-"],
        ["whole-log ingest ÷ raw ceiling", f"{whole:,.0f}/s", f"{raw:,.0f}/s", f"{whole / raw:.3f}", "≥ 0.35"],
        ["rebuild ÷ raw read", f"{rebuild:,.0f}/s", f"{raw_r:,.0f}/s", f"{rebuild / raw_r:.3f}", "≥ 0.2"],
        ["database bytes ÷ JSON Lines bytes (after ingest)", f"{size_ingest / 1e6:.1f} MB",
         f"{jsonl_bytes / 1e6:.1f} MB", f"{size_ingest / jsonl_bytes:.2f}", "≤ 2"],
        ["database bytes ÷ JSON Lines bytes (after rebuild)", f"{size_rebuild / 1e6:.1f} MB",
         f"{jsonl_bytes / 1e6:.1f} MB", f"{size_rebuild / jsonl_bytes:.2f}", "≤ 2"],
    ])
    if query:
        show("query latency on the aged ledger (ms)", ["query", "p50", "p99", "target"], query)
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
