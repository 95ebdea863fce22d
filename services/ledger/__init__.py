"""The application layer: ingest and queries, the same for both modes."""
