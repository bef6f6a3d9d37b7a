"""Load the JSON Schemas in this package and check documents against them.

Schemas are named by their path under schemas/ without the extension, for example
"events/OrderPlaced.v1" or "tasks/reserve-stock.input.v1". They reference each other by
relative `$ref`, resolved through one registry built on first use.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft7Validator
    from referencing import Registry

# jsonschema and referencing load on first validation, not on import: a handler that
# imports this module pays for them only when it checks a document (cold starts matter).

_ROOT = "schemas"


@dataclass(frozen=True, slots=True)
class Violation:
    """One place where a document breaks its schema: a field path and what is wrong there."""

    field: str
    message: str


class ContractViolation(ValueError):
    """A document does not match the schema it claims to follow."""

    def __init__(self, schema: str, violations: list[Violation]) -> None:
        self.schema = schema
        self.violations = violations
        listed = "; ".join(f"{v.field or '(root)'}: {v.message}" for v in violations)
        super().__init__(f"{schema}: {listed}")


def _schema_files() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    root = resources.files(__package__).joinpath(_ROOT)
    pending = [(root, "")]
    while pending:
        folder, prefix = pending.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                pending.append((entry, f"{prefix}{entry.name}/"))
            elif entry.name.endswith(".json"):
                found[f"{prefix}{entry.name[: -len('.json')]}"] = json.loads(
                    entry.read_text("utf-8")
                )
    return found


@functools.cache
def all_schemas() -> dict[str, dict[str, Any]]:
    """Every schema in the package, by name."""
    return _schema_files()


@functools.cache
def registry() -> Registry[Any]:
    """Every schema by `$id`, so that relative references resolve."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    pairs = [(doc["$id"], Resource.from_contents(doc, DRAFT7)) for doc in all_schemas().values()]
    return Registry().with_resources(pairs)


@functools.cache
def validator(name: str) -> Draft7Validator:
    from jsonschema import Draft7Validator, FormatChecker

    try:
        schema = all_schemas()[name]
    except KeyError:
        raise KeyError(f"no schema named {name!r}") from None
    return Draft7Validator(schema, registry=registry(), format_checker=FormatChecker())


def field_path(parts: Any) -> str:
    """A path like `items[0].quantity` from a sequence of keys and indexes."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def violations(name: str, document: Any) -> list[Violation]:
    """Every way `document` breaks schema `name`, in a stable order."""
    errors = sorted(
        validator(name).iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
    )
    return [Violation(field_path(e.absolute_path), e.message) for e in errors]


def validate(name: str, document: Any) -> None:
    """Raise ContractViolation when `document` does not match schema `name`."""
    found = violations(name, document)
    if found:
        raise ContractViolation(name, found)
