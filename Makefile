# Entrega's one entry point. `make demo` and `make check` are the README's two commands:
# both create .venv and install the locked dependencies first, on a fresh clone too.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo serve check lint typecheck test bench install clean

$(VENV)/.installed: pyproject.toml uv.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv sync --frozen --all-extras --quiet
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/entrega demo

serve: install
	$(BIN)/entrega serve --port $(PORT)

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy contracts services local

test: install
	$(BIN)/pytest

check: lint typecheck test

# Every benchmark, each printing its table and writing JSON under bench/results/.
bench: install
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/throughput.py --orders 100
	$(BIN)/python bench/cost.py --orders 20
	$(BIN)/python bench/package_size.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
