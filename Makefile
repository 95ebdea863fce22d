# The two commands of the README: `make run` and `make test`. Both install everything they need.
VENV ?= .venv
PY := $(VENV)/bin/python
export DIGNITY_KAFKA ?= 127.0.0.1:9092
export DIGNITY_TEST_PG ?= postgresql+psycopg://dignity:dignity@127.0.0.1:5432/dignity_test

.PHONY: install browser pdftools run test test-unit lint bench services-up services-down clean

install: $(VENV)/.installed

# The dashboard's browser test drives Debian's chromium with its chromedriver, the report test opens its PDF
# with poppler-utils' pdftoppm and pdftotext (apt, as root); nothing to do when they are there.
browser: pdftools
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

pdftools:
	@command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null || \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils; }

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

run: install
	$(VENV)/bin/dignity demo

# Starts Kafka and PostgreSQL when they are not up, runs every test, stops what it started.
test: install browser
	@bash -c 'set -e; bash infra/services.sh up; trap "bash infra/services.sh down" EXIT; \
	  $(VENV)/bin/pytest -p no:cacheprovider -q'

test-unit: install pdftools
	$(VENV)/bin/pytest -q -m "not integration"

lint: install
	$(VENV)/bin/ruff check events projections services tests bench
	$(VENV)/bin/mypy events projections

bench: install
	$(PY) -m bench.ingest
	$(PY) -m bench.replay
	$(PY) -m bench.query

services-up:
	bash infra/services.sh up

services-down:
	bash infra/services.sh down

clean:
	rm -rf $(VENV) *.db infra/.cache
