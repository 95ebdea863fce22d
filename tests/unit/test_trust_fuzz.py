"""SPEC §6 fuzzed: mutants of generated events through every door (`dignity ingest`, `POST /events`, the CSV
templates). Seeded and bounded (DIGNITY_FUZZ_SEED, DIGNITY_FUZZ_CASES). Whatever a line holds: no crash, no
500, every line accounted for, nothing appended for a rejected line, and the log grows by the accepted count.
"""

from __future__ import annotations

import functools
import os
import random
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from events.catalogue import DERIVED_TYPES
from services.api.app import create_app
from services.auth.tokens import TokenStore
from services.cli.main import app
from services.generate.program import generate
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts
from services.store.schema import events

SEED = int(os.environ.get("DIGNITY_FUZZ_SEED", "20261201"))
CASES = int(os.environ.get("DIGNITY_FUZZ_CASES", "1200"))
"""JSON mutants per door; the CSV door gets a third as many rows."""

Mutant = bytes | dict[str, Any]


@functools.cache
def base() -> tuple[dict[str, Any], ...]:
    return tuple(generate(farms=2, months=2, seed=SEED % 1000, start="2025-01"))


# -- mutations: each takes a random generator and an event (a fresh copy) and returns a dict or raw bytes ----

MONEY = ("amount", "hourly_wage", "gross", "net", "md_bonus", "other_bonuses", "hourly", "farm_share")
DATES = ("received_on", "scheduled_pay_date", "period_start", "period_end", "paid_on", "hired_on",
         "enrolled_on", "effective_on", "conducted_on", "on", "since", "submitted_on")
WEIRD_NUMBERS = ["1_000.00", "١٢٠٠.٠٠", "１２００", "1" * 27, "9" * 40 + ".99", "-1.00", "1e3", "NaN", " 5",
                 "5.", ".5", "0x10", "12.345", "", "Infinity"]
WEIRD_DATES = ["0001-01-01", "9999-12-31", "2101-01-01", "1989-12-31", "2025-02-30", "٢٠٢٥-٠١-٠١", "2025-1-1",
               "20250101", "", "2025-01-01T00:00:00+25:00"]
WEIRD_MOMENTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "9999-12-31T23:00:00-05:00",
                 "2025-01-01T00:00:00", "yesterday", "2025-13-01T00:00:00Z", "0001-01-01"]
WEIRD_VALUES: list[Any] = [None, True, 7, 1.5, [], {}, [1], {"a": 1}, "", "x" * 20_000, "\u0000",
                           -1, 2**63 - 1]


def _data(e: dict[str, Any]) -> dict[str, Any]:
    return e["data"] if isinstance(e.get("data"), dict) else {}


def _pick(rng: random.Random, keys: tuple[str, ...], e: dict[str, Any]) -> str | None:
    present = [k for k in keys if k in _data(e)]
    return rng.choice(present) if present else None


def m_money_float(rng: random.Random, e: dict[str, Any]) -> Mutant:
    if (k := _pick(rng, MONEY, e)) is not None:
        e["data"][k] = rng.choice([float(e["data"][k] or 0) + 0.5, 1e3, 12.0])
    return e


def m_money_text(rng: random.Random, e: dict[str, Any]) -> Mutant:
    if (k := _pick(rng, MONEY + ("hours_worked", "worker_share", "hours"), e)) is not None:
        e["data"][k] = rng.choice(WEIRD_NUMBERS)
    return e


def m_money_raw(rng: random.Random, e: dict[str, Any]) -> Mutant:
    """Numbers no JSON library keeps exactly: 1e400, 27-digit and 100-digit integers, written raw."""
    if (k := _pick(rng, MONEY + ("hours_worked",), e)) is not None:
        e["data"][k] = "@@"
        return orjson.dumps(e).replace(b'"@@"', rng.choice([b"1e400", b"1" * 27, b"9" * 100, b"-0", b"1E2"]))
    return e


def m_date(rng: random.Random, e: dict[str, Any]) -> Mutant:
    if (k := _pick(rng, DATES, e)) is not None:
        e["data"][k] = rng.choice(WEIRD_DATES)
    return e


def m_moment(rng: random.Random, e: dict[str, Any]) -> Mutant:
    e["occurred_at"] = rng.choice(WEIRD_MOMENTS)
    return e


def m_type(rng: random.Random, e: dict[str, Any]) -> Mutant:
    e["type"] = rng.choice([["PremiumRemitted"], {"t": 1}, 7, None, True, "PremiumPaid", "", "DeadlineMissed",
                            e["type"].lower()])
    return e


def m_version(rng: random.Random, e: dict[str, Any]) -> Mutant:
    choice = rng.choice(["2", True, [1], {"v": 1}, 1.0, 0, -3, 10**6, "big"])
    if choice == "big":
        e["schema_version"] = "@@"
        return orjson.dumps(e).replace(b'"@@"', b"1" * 100)
    e["schema_version"] = choice
    return e


def m_data(rng: random.Random, e: dict[str, Any]) -> Mutant:
    e["data"] = rng.choice(["x", 7, [1, 2], None, True, [], ""])
    return e


def m_duplicate_key(rng: random.Random, e: dict[str, Any]) -> Mutant:
    """A key written twice (orjson would keep the last): at the top, or inside `data`."""
    text = orjson.dumps(e)
    if rng.random() < 0.5 or not _data(e):
        extra = rng.choice([b'"farm_id":"farm-00002",', b'"type":"FarmWithdrawn",', b'"zz":1,"zz":2,'])
        return text.replace(b"{", b"{" + extra, 1)
    key = next(iter(_data(e)))
    return text.replace(b'"data":{', b'"data":{' + orjson.dumps(key) + b":" + orjson.dumps(e["data"][key]) + b",", 1)


def m_ledger_fields(rng: random.Random, e: dict[str, Any]) -> Mutant:
    choice = rng.choice(["causation_id", "recorded_at", "sealed"])
    if choice == "causation_id":
        e["causation_id"] = [str(uuid.uuid4())]
    elif choice == "recorded_at":
        e["recorded_at"] = "2025-01-01T00:00:00+00:00"
    else:
        e.update(type="ComplaintReceived", data={
            "complaint_id": f"c-{rng.randrange(10**6)}", "received_by": "worker_org",
            "received_at": e.get("occurred_at"), "complainant": rng.choice([
                {"person_id": "p-1", "sealed": "AAAA"}, {"name": "Ana", "person_id": "p-forgotten"},
                {"name": ""}, {"name": "Bo", "contact": "x" * 20_000}])})
    return e


def m_field(rng: random.Random, e: dict[str, Any]) -> Mutant:
    """Drop, add or retype one field (envelope or data)."""
    target = e if rng.random() < 0.4 or not _data(e) else e["data"]
    key = rng.choice(list(target))
    action = rng.random()
    if action < 0.3:
        del target[key]
    elif action < 0.5:
        target[rng.choice(["colour", "farm", "payor", "__proto__"])] = 1
    else:
        target[key] = rng.choice(WEIRD_VALUES)
    return e


def m_envelope(rng: random.Random, e: dict[str, Any]) -> Mutant:
    choice = rng.randrange(6)
    if choice == 0:
        e["farm_id"] = rng.choice(["program", "farm-nowhere", "", "farm-00001\u0000", "FARM-00001"])
    elif choice == 1:
        e["actor"] = rng.choice([{"role": "king", "id": "k"}, {"role": "farm"}, "mdsc", None,
                                 {"role": "farm", "id": ""}])
    elif choice == 2:
        e["event_id"] = rng.choice(["not-a-uuid", "", 7, str(uuid.UUID(int=0)), base()[0]["event_id"]])
    elif choice == 3:
        depth = rng.choice([100, 3000])  # orjson stops at 1024 levels; the fallback parser must not crash
        return orjson.dumps(e).replace(b'"data":{', b'"data":{"nested":' + b"[" * depth + b"]" * depth + b",", 1)
    elif choice == 4:
        e["occurred_at"] = e["occurred_at"][:19]  # no offset
    else:
        e["farm_id"] = "f" * 30_000
    return e


def m_bytes(rng: random.Random, e: dict[str, Any]) -> Mutant:
    text = bytearray(orjson.dumps(e))
    choice = rng.randrange(6)
    if choice == 0:
        return bytes(text[: rng.randrange(1, len(text))])  # truncated
    if choice == 1:
        text[rng.randrange(len(text))] = rng.choice([0xFF, 0xC3, 0x00, 0x22, 0x5C, 0x7B])
        return bytes(text)
    if choice == 2:
        return bytes(text).replace(b'"data":', b'"data":' + b"[" * 5000, 1)
    if choice == 3:
        return bytes(text).replace(b'":"', b'":"\\ud800', 1)
    if choice == 4:
        return b"\xef\xbb\xbf" + bytes(text)
    return bytes(text).replace(b",", b" , ", 3).replace(b":", b" : ", 2)  # whitespace: still valid


def m_none(rng: random.Random, e: dict[str, Any]) -> Mutant:
    return e  # a valid line, so accepted lines are checked too


MUTATIONS: list[Callable[[random.Random, dict[str, Any]], Mutant]] = [
    m_money_float, m_money_text, m_money_raw, m_date, m_moment, m_type, m_version, m_data, m_duplicate_key,
    m_ledger_fields, m_field, m_envelope, m_bytes, m_none, m_none,
]


def mutants(rng: random.Random, count: int) -> Iterator[tuple[str, bytes, dict[str, Any] | None]]:
    """(fresh event id, line, the dict when the mutant is one) for `count` mutants of non-enrolment events."""
    pool = [e for e in base() if e["type"] != "FarmEnrolled"]
    for _ in range(count):
        event = orjson.loads(orjson.dumps(rng.choice(pool)))
        event["event_id"] = str(uuid.uuid4())
        fresh = event["event_id"]
        mutant = rng.choice(MUTATIONS)(rng, event)
        if isinstance(mutant, dict):  # (a lone surrogate only travels as raw bytes: m_bytes)
            yield fresh, orjson.dumps(mutant), mutant
        else:
            yield fresh, mutant, None


# -- the ledger under test ------------------------------------------------------------------------------------

@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    ledger = EmbeddedLedger(url)
    report = ledger.ingest(parse_dicts(enumerate(base(), start=1)))
    assert not report.rejected, report.rejected[:3]
    ledger.vault.seal({"name": "Ana", "person_id": "p-forgotten"})
    ledger.vault.forget("p-forgotten")
    ledger.engine.dispose()
    yield url


def own_rows(url: str) -> tuple[int, set[str]]:
    """How many events senders posted (not derived by the ledger), and every stored event id."""
    ledger_engine = EmbeddedLedger(url).engine
    with ledger_engine.connect() as conn:
        posted = conn.execute(select(func.count()).where(events.c.type.not_in(DERIVED_TYPES))).scalar_one()
        ids = set(conn.execute(select(events.c.event_id)).scalars())
    ledger_engine.dispose()
    return int(posted), ids


def check(url: str, before: int, report: dict[str, Any], cases: list[tuple[str, bytes, Any]]) -> None:
    posted, ids = own_rows(url)
    rejected = {r["line"] for r in report["rejected"]}
    lines = [n for n, (_, text, _) in enumerate(cases, start=1) if text.strip()]
    assert report["accepted"] + report["duplicates"] + len(rejected) == len(lines), "a line is unaccounted for"
    assert posted - before == report["accepted"], "the log grew by other than the accepted count"
    for number in lines:
        fresh = cases[number - 1][0]
        if number in rejected:
            assert fresh not in ids, f"line {number} was rejected but appended"
    assert rejected, "no mutant was rejected: the mutations did nothing"
    assert report["accepted"], "no mutant was accepted: the checks refuse everything"


def test_trust_fuzz_cli_ingest(seeded: str, tmp_path: Path) -> None:
    cases = list(mutants(random.Random(SEED), CASES))
    path = tmp_path / "mutants.jsonl"
    path.write_bytes(b"\n".join(text.replace(b"\n", b" ").replace(b"\r", b" ") for _, text, _ in cases) + b"\n")
    before, _ = own_rows(seeded)
    result = CliRunner().invoke(app, ["ingest", str(path), "--json", "--db", seeded])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1)
    check(seeded, before, orjson.loads(result.stdout[result.stdout.index("{"):]), cases)


@pytest.fixture
def client(seeded: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    engine = EmbeddedLedger(seeded).engine
    token = TokenStore(engine).issue("mdsc", "auditor-fuzz").secret
    with TestClient(create_app(seeded, deliver=False), raise_server_exceptions=False) as test_client:
        yield test_client, {"Authorization": f"Bearer {token}"}
    engine.dispose()


def test_trust_fuzz_api_post_events(seeded: str, client: tuple[TestClient, dict[str, str]]) -> None:
    http, headers = client
    rng = random.Random(SEED + 1)
    cases = list(mutants(rng, CASES))
    for start in range(0, len(cases), 300):
        chunk = cases[start : start + 300]
        as_array = all(d is not None for _, _, d in chunk) and rng.random() < 0.5
        if as_array:  # the API also takes a JSON array: each dict mutant as one item
            body = b"[" + b",".join(text for _, text, _ in chunk) + b"]"
        else:
            body = b"\n".join(text.replace(b"\n", b" ").replace(b"\r", b" ") for _, text, _ in chunk)
        before, _ = own_rows(seeded)
        answer = http.post("/events", content=body, headers={**headers, "Content-Type": "application/x-ndjson"})
        assert answer.status_code == 200, answer.text[:500]
        check(seeded, before, answer.json(), chunk)


# -- CSV ------------------------------------------------------------------------------------------------------

CSV_CELLS = ["1_000.00", "١٢٠٠.٠٠", "1" * 27, "-5.00", "1e3", "9999-12-31", "0001-01-01", "", "\"", "a\"b",
             "$12.00", "1,200.00", "x" * (130 * 1024), "\u0000", "٤٠", "12.345", "yes", "2025-13"]


def csv_rows(rng: random.Random, count: int) -> tuple[bytes, bytes]:
    """A remittance and a payroll upload of `count` rows each, from the generated events, cells mutated."""
    remits = [e for e in base() if e["type"] == "PremiumRemitted"]
    lines = [e for e in base() if e["type"] == "PayrollLineRecorded"]
    out_r = ["Payor,Attributed Participating Buyer,Farm,Sales Period,Amount,Date Received,"
             "Check or Transaction Number"]
    out_p = ["farm,worker_id,period_start,period_end,scheduled_pay_date,paid_on,hours_worked,hourly_wage,gross,net"]
    for n in range(count):
        r = rng.choice(remits)["data"]
        cells = [r["payor_id"], r["attributed_buyer_id"], rng.choice(remits)["farm_id"], r["sales_period"],
                 r["amount"], r["received_on"], f"CHK-{n}-{rng.randrange(10**9)}"]
        p_event = rng.choice(lines)
        p = p_event["data"]
        pcells = [p_event["farm_id"], p["worker_id"], p["period_start"], p["period_end"], p["scheduled_pay_date"],
                  p["paid_on"] or "", p["hours_worked"], p["hourly_wage"], p["gross"], p["net"]]
        for row in (cells, pcells):
            if rng.random() < 0.7:
                row[rng.randrange(len(row))] = rng.choice(CSV_CELLS)
        out_r.append(",".join(cells))
        out_p.append(",".join(pcells))
    remittance, payroll = ("\n".join(out_r) + "\n").encode(), ("\n".join(out_p) + "\n").encode()
    if rng.random() < 0.5:  # a byte that is not UTF-8 somewhere
        remittance = remittance.replace(b"CHK-3-", b"CHK-\xff-", 1)
    return remittance, payroll


def test_trust_fuzz_csv_templates(seeded: str, client: tuple[TestClient, dict[str, str]]) -> None:
    http, headers = client
    rng = random.Random(SEED + 2)
    for _ in range(3):
        remittance, payroll = csv_rows(rng, CASES // 9)
        for template, body in (("remittance", remittance), ("payroll", payroll)):
            before, _ = own_rows(seeded)
            answer = http.post(f"/templates/{template}", content=body, headers={**headers, "Content-Type": "text/csv"})
            assert answer.status_code == 200, answer.text[:500]
            report = answer.json()
            posted, _ = own_rows(seeded)
            assert posted - before == report["accepted"]
            swallowed = sum(int(m.group(1)) - 1 for r in report["rejected"]
                            if (m := re.search(r"spans (\d+) lines", r["error"])))  # a quote left open
            rejected = len({r["line"] for r in report["rejected"]})
            assert report["accepted"] + report["duplicates"] + rejected + swallowed == CASES // 9, (
                "a row is unaccounted for")
            assert report["rejected"]
    header_twice = b"farm,farm_id,worker_id\nfarm-00001,farm-00002,w\n"
    answer = http.post("/templates/payroll", content=header_twice, headers={**headers, "Content-Type": "text/csv"})
    assert answer.status_code == 200 and answer.json()["rejected"][0]["line"] == 0
