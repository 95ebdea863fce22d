"""One module per command group; each does `from services.cli.main import app` and adds its commands."""
