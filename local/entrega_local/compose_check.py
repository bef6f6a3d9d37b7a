"""An offline check of docker-compose.localstack.yml, for machines without a Docker engine.

    python -m entrega_local.compose_check docker-compose.localstack.yml

The file is validated against the Compose Specification's JSON Schema vendored in
local/localstack/compose-spec/, and then against what the schema cannot know: every
`depends_on` names a service of the file, and every script a service runs from the mounted
checkout exists in it. `docker compose config` would say more; it needs the engine.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "local" / "localstack" / "compose-spec" / "compose-spec.json"


def problems(compose_file: Path) -> list[str]:
    """What is wrong with the compose file, one sentence each; empty when it is valid."""
    document = yaml.safe_load(compose_file.read_text("utf-8"))
    schema = json.loads(SCHEMA.read_text("utf-8"))
    validator = jsonschema.Draft201909Validator(schema)
    found = [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(document)
    ]
    if found or not isinstance(document, dict):
        return found or ["the file is not a mapping"]
    return _dependencies(document) + _scripts(document, compose_file.parent)


def _dependencies(document: dict[str, Any]) -> list[str]:
    services = document.get("services", {})
    found = []
    for name, service in services.items():
        depends = service.get("depends_on", [])
        for dependency in depends if isinstance(depends, list) else list(depends):
            if dependency not in services:
                found.append(f"services/{name}: depends on unknown service {dependency!r}")
    return found


def _scripts(document: dict[str, Any], folder: Path) -> list[str]:
    """A `command` naming a file under the service's working_dir must find it in the checkout."""
    found = []
    for name, service in document.get("services", {}).items():
        command = service.get("command", [])
        words = command.split() if isinstance(command, str) else list(command)
        mounted = _checkout_mount(service)
        if mounted is None:
            continue
        for word in words:
            if word.endswith((".sh", ".py")) and not (folder / word).is_file():
                found.append(f"services/{name}: runs {word}, which is not in the checkout")
    return found


def _checkout_mount(service: dict[str, Any]) -> str | None:
    """The container path where the service mounts this checkout (`./`), if it does."""
    for volume in service.get("volumes", []):
        if isinstance(volume, str) and volume.split(":")[0] in (".", "./"):
            return volume.split(":")[1]
    return None


def main(arguments: list[str]) -> int:
    failed = False
    for name in arguments or ["docker-compose.localstack.yml"]:
        for problem in problems(Path(name)):
            print(f"{name}: {problem}", file=sys.stderr)
            failed = True
        if not failed:
            print(f"{name}: valid against the Compose Specification schema")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
