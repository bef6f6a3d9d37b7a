"""The offline check of the LocalStack compose file: it passes the real file and catches faults."""

from __future__ import annotations

from pathlib import Path

import yaml

from entrega_local.compose_check import ROOT, problems

COMPOSE = ROOT / "docker-compose.localstack.yml"


def _variant(tmp_path: Path, change) -> Path:
    document = yaml.safe_load(COMPOSE.read_text())
    change(document)
    path = tmp_path / "docker-compose.localstack.yml"
    path.write_text(yaml.safe_dump(document))
    (tmp_path / "local" / "localstack").mkdir(parents=True)
    (tmp_path / "local" / "localstack" / "deploy.sh").write_text("#!/bin/sh\n")
    (tmp_path / "local" / "localstack" / "e2e.sh").write_text("#!/bin/sh\n")
    return path


def test_the_committed_compose_file_is_valid() -> None:
    assert problems(COMPOSE) == []


def test_a_key_the_specification_does_not_have_is_reported(tmp_path: Path) -> None:
    path = _variant(tmp_path, lambda d: d["services"]["localstack"].update(restart_policy="no"))

    found = problems(path)

    assert any("restart_policy" in problem for problem in found)


def test_a_dependency_on_an_unknown_service_is_reported(tmp_path: Path) -> None:
    path = _variant(
        tmp_path,
        lambda d: d["services"]["deployer"]["depends_on"].update(
            {"dynamodb-local": {"condition": "service_started"}}
        ),
    )

    assert problems(path) == ["services/deployer: depends on unknown service 'dynamodb-local'"]


def test_a_script_missing_from_the_checkout_is_reported(tmp_path: Path) -> None:
    path = _variant(tmp_path, lambda d: d["services"]["deployer"].update(command=["bash", "x.sh"]))

    assert problems(path) == ["services/deployer: runs x.sh, which is not in the checkout"]
