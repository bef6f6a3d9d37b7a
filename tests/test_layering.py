"""The layering rule: domain modules know no AWS, handlers stay thin, each service imports alone."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "inventory", "payments", "notifications", "recommendations")
AWS_MODULES = ("boto3", "botocore", "aws_lambda_powertools", "moto")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def longest_function(path: Path) -> tuple[str, int]:
    tree = ast.parse(path.read_text())
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    longest = max(functions, key=lambda n: (n.end_lineno or n.lineno) - n.lineno)
    return longest.name, (longest.end_lineno or longest.lineno) - longest.lineno + 1


@pytest.mark.parametrize("service", SERVICES)
def test_domain_and_models_import_no_aws_sdk(service):
    package = ROOT / "services" / service / service

    # Rules that outgrew domain.py live beside it and keep its rule.
    pure = [package / "domain.py", package / "models.py", *package.glob("*_rules.py")]
    offending = {
        module
        for path in pure
        for module in imported_modules(path)
        if module.split(".")[0] in AWS_MODULES
    }

    assert offending == set()


@pytest.mark.parametrize("service", SERVICES)
def test_handlers_reach_aws_only_through_store_and_adapters(service):
    handlers = ROOT / "services" / service / service / "handlers.py"

    direct = {
        module
        for module in imported_modules(handlers)
        if module.split(".")[0] in ("boto3", "botocore")
    }

    assert direct == set()


CODE = [
    path
    for path in sorted(
        [
            *(ROOT / "services").glob("*/*/*.py"),
            *(ROOT / "services").glob("*/*/*/*.py"),
            *(ROOT / "local").glob("*/*.py"),
            *(ROOT / "contracts").glob("*/*.py"),
        ]
    )
    if "def " in path.read_text()
]


@pytest.mark.parametrize("path", CODE, ids=[f"{p.parent.name}/{p.name}" for p in CODE])
def test_no_function_is_longer_than_sixty_lines(path):
    name, lines = longest_function(path)

    assert lines <= 60, f"{path.name}:{name} has {lines} lines"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_imports_alone_with_an_empty_environment(service):
    environment = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": f"{ROOT / 'contracts'}:{ROOT / 'services' / service}",
    }
    others = [s for s in SERVICES if s != service]
    probe = (
        f"import sys; import {service}.handlers; "
        f"assert not any(m.split('.')[0] in {others!r} for m in sys.modules), 'imports others'"
        "; assert 'aws_xray_sdk' not in sys.modules, 'X-Ray SDK loaded at import'"
        "; assert 'jsonschema' not in sys.modules, 'jsonschema loaded at import'"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr[-2000:]
