"""Who may do what (issue 5): roles and bearer tokens, pure policy functions, thin FastAPI dependencies."""
