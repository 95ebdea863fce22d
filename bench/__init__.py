"""Benchmarks: `python -m bench.ingest`, `python -m bench.replay`, `python -m bench.query` (or `make bench`).

They print numbers and never assert timings. Generated databases are cached in bench/.cache (gitignored).
"""
