"""Logs on request as one JSON object a line (`DIGNITY_LOG_JSON=1`), with python-json-logger.

`configure()` sets the root handler once per process (the API, the worker, `dignity webhooks run`); without
the setting, Python's default text format stays. Nothing of a person's identity is ever a log field: the
request log (services/api/app.py) names the method, the route, the status, the time taken and the role.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

from services.settings import settings

FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
_configured = False


def configure() -> None:
    global _configured
    s = settings()
    logging.getLogger("dignity").setLevel(s.log_level.upper())
    if _configured or not s.log_json:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(FIELDS, rename_fields={"levelname": "level", "name": "logger"}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "faust", "aiokafka"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    _configured = True
