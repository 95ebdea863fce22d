"""Alembic migrations of the SQL schema (services/store/revisions.py runs them; `dignity migrate`)."""
