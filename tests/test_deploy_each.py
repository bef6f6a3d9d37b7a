"""Each stack deploys on its own: its template alone, into a fresh emulator.

For every template, a separate process starts an empty emulator, writes only the SSM
parameters the template declares (with stand-in values) and the bus it names, deploys the
template, and looks every resource up through the emulator's API
(entrega_local.deploy_alone). Nothing from another stack's template is deployed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from entrega_local.stack import STACKS
from entrega_local.templates import load

ROOT = Path(__file__).resolve().parents[1]
NAMES = [name for name, _ in STACKS]


@pytest.fixture(scope="module")
def reports() -> dict[str, dict]:
    paths = [str(path.relative_to(ROOT)) for _, path in STACKS]
    done = subprocess.run(
        [sys.executable, "-m", "entrega_local.deploy_alone", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    by_path = json.loads(done.stdout)
    return {name: by_path[str(path.relative_to(ROOT))] for name, path in STACKS}


@pytest.mark.parametrize("name", NAMES)
def test_every_resource_of_the_template_exists_after_deploying_it_alone(reports, name):
    template = load(dict(STACKS)[name])
    report = reports[name]

    missing = [logical for logical, found in report["created"].items() if not found]
    accounted = (
        set(report["created"]) | set(report["aws_only"]) | set(report["skipped_by_condition"])
    )
    assert missing == []
    assert accounted == set(template["Resources"])
    assert set(report["outputs"]) == set(template.get("Outputs", {}))


@pytest.mark.parametrize("name", NAMES)
def test_only_declared_ssm_parameters_were_given(reports, name):
    declared = {
        spec["Default"]
        for spec in load(dict(STACKS)[name]).get("Parameters", {}).values()
        if str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::Value")
    }

    assert set(reports[name]["ssm_written"]) == declared


def test_conditional_authorizers_are_skipped_without_a_user_pool(reports):
    assert reports["entrega-inventory"]["skipped_by_condition"] == ["StaffAuthorizer"]


def test_api_stacks_serve_their_documented_routes(reports):
    assert "POST /orders" in reports["entrega-intake"]["routes"]
    assert "PUT /catalog/{sku}/stock" in reports["entrega-inventory"]["routes"]
    assert "GET /payments/{order_id}" in reports["entrega-payments"]["routes"]
    assert "PUT /customers/{customer_id}/preferences" in reports["entrega-notifications"]["routes"]
    assert reports["entrega-orchestration"]["created"]["OrderSaga"] is True
