"""How long a page of a farm's history is: the API's pages and `dignity history`'s.

A module of its own, with nothing to import: every CLI command's options are read when the CLI starts, and
`dignity ingest` starts reading its file before it imports the ledger (the queries cost ~0.4 s to import)."""

HISTORY_PAGE = 200
"""Events a history page holds unless the caller asks for fewer or more (up to `HISTORY_PAGE_MAX`)."""
HISTORY_PAGE_MAX = 1000
