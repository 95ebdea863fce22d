"""The HTTP API (FastAPI): the same answers as the CLI's `--json`, from `services.ledger.queries`."""
