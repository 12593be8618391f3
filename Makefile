# Two commands work on a fresh machine: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
REPORTS := reports

.PHONY: setup system demo test lint unit app clean

# Tesseract and the models of the supported languages, for OCR of scanned PDFs: installed with
# apt when missing (as root, or through sudo); elsewhere scanned pages end with E107 and a hint.
OCR_MODELS := eng fra spa por ara rus chi_sim
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

system:
	@need=""; \
	command -v tesseract >/dev/null 2>&1 || need="tesseract-ocr"; \
	for model in $(OCR_MODELS); do \
		tesseract --list-langs 2>/dev/null | grep -qx "$$model" || \
			need="$$need tesseract-ocr-$$(echo $$model | tr _ -)"; \
	done; \
	if [ -n "$$need" ]; then \
		if command -v apt-get >/dev/null 2>&1; then \
			$(SUDO) apt-get update -qq && \
			$(SUDO) apt-get install -y -qq --no-install-recommends $$need >/dev/null; \
		else \
			echo "OCR needs:$$need (not installed: no apt-get here)"; \
		fi; \
	fi

setup: $(STAMP) system

demo: setup
	$(BIN)/python scripts/demo.py --out $(REPORTS)

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
