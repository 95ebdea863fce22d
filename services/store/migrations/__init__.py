"""Alembic migrations of the SQL schema (services/store/migrate.py runs them; `dignity migrate`)."""
