"""The upload page's server side: which template a role posts, the file of rejected rows to fix and send
again, and what a cooperative or farm has posted, month by month.

The rejected rows are the uploaded file's own rows (header first, the same columns, in order), so the
sender corrects them in place and uploads that file; why each was refused is in the page's table.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from services.auth.roles import Principal
from services.auth.scope import load_scopes
from services.ledger import queries
from services.store.database import now

UPLOADS = {"cooperative": ("remittance", "milk"), "farm": ("payroll",), "mdsc": ("remittance", "payroll", "milk")}
"""Which CSV templates each role uploads: a cooperative remits the premium and reports the milk it bought
(BP-1), a farm records its payroll."""
POSTED = {"remittance": "PremiumRemitted", "payroll": "PayrollLineRecorded", "milk": "MilkPurchased"}
END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)


def rejected_rows(raw: bytes, rows: list[dict[str, Any]]) -> str:
    """The CSV of the rows refused (numbered from 1 after the header), header first; empty when none."""
    refused = {r["line"] for r in rows if r["status"] == "rejected" and r.get("line")}
    if not refused:
        return ""
    text = raw.decode("utf-8-sig", "replace")
    records = list(csv.reader(io.StringIO(text)))
    if not records:
        return ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(records[0])
    for number, record in enumerate(records[1:], start=1):
        if number in refused:
            writer.writerow(record)
    return out.getvalue()


def explained(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's result with the column and the reason apart (`column: why` in the ingest answer)."""
    out = []
    for r in rows:
        column, why = "", r.get("error") or ""
        if r["status"] == "rejected" and ": " in why:
            column, why = why.split(": ", 1)
        out.append({**r, "column": column, "why": why})
    return out


def posted_farms(engine: Engine, who: Principal) -> list[str]:
    ids = queries.farm_ids(engine)
    if who.role == "farm":
        return [who.subject] if who.subject in ids else []
    if who.role == "cooperative":
        scopes = load_scopes(engine, ids)
        return [f for f in ids if who.subject in scopes[f].cooperatives]
    return ids


def posted_by_month(engine: Engine, who: Principal) -> list[dict[str, Any]]:
    """What this principal posted (its own actor id on the events), per month: remittances by the month
    they were received, payroll lines by the month of their pay period's end, milk by its sales month; count
    and amount (dollars; hundredweights for milk)."""
    types = [POSTED[t] for t in UPLOADS.get(who.role, ())]
    farms = posted_farms(engine, who)
    months: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {"count": 0, "amount": Decimal("0.00"),
                                                                         "farms": set()})
    moment = now()
    for farm in farms:  # the history query, which reads source events from the log
        for body in queries.farm_history(engine, farm, END_OF_TIME, moment):
            type_ = body["type"]
            if type_ not in types or (who.role != "mdsc" and (body.get("actor") or {}).get("id") != who.subject):
                continue
            data = body["data"]
            day = data.get("received_on") or data.get("period_end") or data.get("sales_period") or body["occurred_at"]
            row = months[(str(day)[:7], type_)]
            row["count"] += 1
            row["amount"] += Decimal(str(data.get("amount") or data.get("gross") or data.get("cwt") or "0"))
            row["farms"].add(farm)
    return [{"month": m, "type": t, "count": r["count"], "amount": r["amount"], "farms": len(r["farms"])}
            for (m, t), r in sorted(months.items(), reverse=True)]
