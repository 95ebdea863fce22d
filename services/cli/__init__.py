"""The `dignity` command line (Typer)."""
