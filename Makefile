# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGS := $(patsubst %.po,%.mo,$(wildcard bot/i18n/locales/*/LC_MESSAGES/sild.po))

.PHONY: install run chat test test-fast lint format catalogs clean

install: $(STAMP) $(CATALOGS)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Translations are compiled with Babel at install time (and again whenever a .po file changes).
bot/i18n/locales/%/LC_MESSAGES/sild.mo: bot/i18n/locales/%/LC_MESSAGES/sild.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -D sild -d bot/i18n/locales -l $* --statistics

catalogs:  ## re-extract user-visible strings and merge them into every catalog
	$(BIN)/pybabel extract -F babel.cfg -k gettext -k ngettext:1,2 --no-location --sort-output \
	  --project Sild --copyright-holder "Sild developers" -o bot/i18n/locales/sild.pot .
	$(BIN)/pybabel update -D sild -i bot/i18n/locales/sild.pot -d bot/i18n/locales --no-fuzzy-matching

run: install
	$(BIN)/bot run

chat: install
	$(BIN)/bot chat

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
	find bot/i18n/locales -name '*.mo' -delete
