# Two commands work on a fresh machine: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
REPORTS := reports
SAMPLES := $(wildcard corpora/samples/*/source.pdf)

.PHONY: setup demo test lint unit app clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	@mkdir -p $(REPORTS)
	@for pdf in $(SAMPLES); do \
		name=$$(basename $$(dirname $$pdf)); \
		$(BIN)/checker review $$pdf --quiet --format html --output $(REPORTS)/$$name.html; \
		$(BIN)/checker review $$pdf --quiet --format md --output $(REPORTS)/$$name.md; \
		$(BIN)/checker review $$pdf --quiet --format json --output $(REPORTS)/$$name.json; \
		echo "$$name: $$($(BIN)/python -c "import json,sys; s=json.load(open('$(REPORTS)/'+sys.argv[1]+'.json'))['summary']['by_status']; print(', '.join(f'{k} {v}' for k,v in s.items()))" $$name)"; \
	done
	@echo "Reports written to $(abspath $(REPORTS))/ (HTML, Markdown and JSON per sample)"

app: setup
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.headless true

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

unit: setup
	$(BIN)/python -m pytest -q

test: lint unit

clean:
	rm -rf $(VENV) $(REPORTS) .pytest_cache .mypy_cache .ruff_cache
