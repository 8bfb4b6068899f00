# One command per task. `make serve` and `make test` work on a fresh Debian machine with Python 3.11.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: serve test lint format bench worker demo clean

$(PY):
	@bash scripts/bootstrap-venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

serve: $(STAMP)
	$(PY) main.py serve

worker: $(STAMP)
	$(PY) main.py worker

demo: $(STAMP)
	$(PY) main.py demo

# The whole suite twice: on SQLite, then on a throwaway PostgreSQL cluster the tests start.
test: $(STAMP)
	@bash scripts/test-deps
	$(PY) -m pytest
	$(PY) -m pytest --database postgres

# Ratios to bare baselines in one run: HTTP hot paths vs bare starlette (wrk), mail fan-out vs a
# bare aiosmtplib loop, then similar-issue search latency. BENCH_SUBSCRIBERS=100000 for the full run.
BENCH_SUBSCRIBERS ?= 20000
bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make bench needs wrk: sudo apt-get install wrk" >&2; exit 1; }
	$(PY) -m bench.http
	BENCH_SUBSCRIBERS=$(BENCH_SUBSCRIBERS) $(PY) -m bench.fanout
	$(PY) -m bench.similar

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
