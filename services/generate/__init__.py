"""A realistic, deterministic Milk with Dignity program as sender JSON, for demos, tests and benchmarks."""
