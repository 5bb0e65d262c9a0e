# Two commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install clean chromium screenshots translations bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,gazetteer]'
	touch $(STAMP)

install: $(STAMP)

# Install, build the gazetteer if missing, migrate, load the bundled demo through the real scrapers
# (offline; nothing is imported twice), then serve the site with the scheduler beside it.
run: install data/gazetteer.sqlite
	$(BIN)/finder db upgrade
	$(BIN)/finder demo load
	$(BIN)/finder serve

# The offline gazetteer, compiled once from the pinned GeoNames wheels (about a minute, ~35 MB).
data/gazetteer.sqlite: | $(STAMP)
	$(BIN)/finder gazetteer build

lint: install
	$(BIN)/ruff check .

test: install chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Re-extract the interface's messages, merge them into the Spanish and German catalogues and compile the .mo
# files (committed; tests/test_i18n.py fails while any message is untranslated or a .mo is out of date).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header --sort-output \
		-o finder/translations/messages.pot .
	$(BIN)/pybabel update -i finder/translations/messages.pot -d finder/translations --width 120
	$(BIN)/pybabel compile -d finder/translations --statistics

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
bench: install data/gazetteer.sqlite
	$(BIN)/python bench/geocode_bench.py
	$(BIN)/python bench/search_bench.py --n 100000
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/alerts_bench.py

clean:
	rm -rf $(VENV) .pytest_cache
