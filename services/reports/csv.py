"""Every dashboard list as CSV: the rows the page shows, a header of their keys, one file per list.

Cells are made safe for spreadsheets: text a sender wrote may start with `=`, `+`, `-` or `@`, which a
spreadsheet would run as a formula (CSV injection), so such a cell is prefixed with `'`. Numbers (money
as decimal strings) are left as they are. A nested value (a finding's detail) is written `k=v; k=v`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}={cell(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(cell(v) for v in value)
    text = str(value)
    if text.startswith(_FORMULA) and not _NUMBER.match(text):
        return "'" + text
    return text


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    rows = list(rows)
    header = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([cell(r.get(c)) for c in header])
    return out.getvalue()
