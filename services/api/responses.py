"""JSON out with orjson, the codec the ledger uses everywhere (decimals are already strings)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        # OPT_NON_STR_KEYS: rows read from SQL have str-subclass keys (SQLAlchemy's column names)
        return orjson.dumps(content, default=str, option=orjson.OPT_NON_STR_KEYS)
