# The Faust worker of Dignity Ledger (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Only what `pip install .` packages (pyproject: events*, projections*, services*),
# so the local .venv and infra/.cache never enter the build context's layers.
COPY pyproject.toml ./
COPY events ./events
COPY projections ./projections
COPY services ./services
RUN pip install . \
 && useradd --create-home --uid 1000 dignity
USER dignity

ENV DIGNITY_KAFKA=kafka:9092 \
    DIGNITY_DB=postgresql+psycopg://dignity:dignity@postgres:5432/dignity
CMD ["faust", "-A", "services.runner.faust_app", "worker", "-l", "info"]
