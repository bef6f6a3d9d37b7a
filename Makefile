# Entrega's one entry point. `make demo` and `make check` are the README's two commands:
# both create .venv and install the locked dependencies first, on a fresh clone too.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never

# What the offline infrastructure checks read: every stack's template, the workflow files,
# the API documents and the LocalStack compose file.
TEMPLATES := contracts/template.yaml $(wildcard services/*/template.yaml) orchestration/template.yaml \
             web/template.yaml
ASL := $(wildcard orchestration/*.asl.json)
OPENAPI := $(wildcard services/*/*/openapi.json)
NODE_TOOLS := node_modules/.installed

COMPOSE := docker compose -p entrega -f docker-compose.localstack.yml

.PHONY: demo serve check lint typecheck infra test e2e localstack-e2e docs bench install clean

$(VENV)/.installed: pyproject.toml uv.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv sync --frozen --all-extras --quiet
	touch $@

install: $(VENV)/.installed

# The ASL validator is an npm package; `npm ci` installs the exact versions of package-lock.json.
$(NODE_TOOLS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: install
	$(BIN)/entrega demo

serve: install
	$(BIN)/entrega serve --port $(PORT)

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy contracts services local

infra: install $(NODE_TOOLS)
	$(BIN)/cfn-lint $(TEMPLATES)
	node_modules/.bin/asl-validator $(foreach file,$(ASL),--json-path $(file))
	$(if $(OPENAPI),$(BIN)/openapi-spec-validator $(OPENAPI))
	$(BIN)/python -m entrega_local.compose_check docker-compose.localstack.yml

test: install
	$(BIN)/pytest

check: lint typecheck infra test

# The end-to-end suite alone: against the embedded stack, or ENTREGA_BASE_URL when it is set.
e2e: install
	$(BIN)/pytest tests/e2e

# LocalStack (needs a Docker engine): deploy every stack with SAM, run tests/e2e, tear down.
localstack-e2e:
	$(COMPOSE) run --rm e2e; status=$$?; $(COMPOSE) down -v; exit $$status

# Rewrite the generated documents (the saga diagram, the tables, the event catalogue).
docs: install
	$(BIN)/python -m entrega_local.diagrams
	$(BIN)/python -m entrega_local.catalogue > docs/events.md

# Every benchmark, each printing its table and writing JSON under bench/results/.
bench: install
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/throughput.py --orders 100
	$(BIN)/python bench/cost.py --orders 20
	$(BIN)/python bench/package_size.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
