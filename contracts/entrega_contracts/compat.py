"""The contract gate: a schema version, once released, may only change in ways its consumers
already accept. Breaking a consumer takes a new version (a new `.vN` file).

Released versions are kept, with every `$ref` inlined, under contracts/released/. The gate
compares each of them with the schema of the same name now: a removed or renamed property,
a new required property, a narrowed type or enum, or newly forbidden extra properties fail
it. A released version disappears only when a newer version of the same contract exists.

    python -m entrega_contracts.compat --check     # what CI runs (tests/test_contract_gate.py)
    python -m entrega_contracts.compat --release   # snapshot what is released now
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from entrega_contracts.schemas import all_schemas, registry

RELEASED = Path(__file__).resolve().parents[1] / "released"
_VERSION = re.compile(r"^(?P<base>.+)\.v(?P<version>\d+)$")


def bundled(name: str) -> dict[str, Any]:
    """The schema with every reference replaced by what it points at."""
    schema = all_schemas()[name]

    def inline(node: Any, at: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                found = at.lookup(node["$ref"])
                return inline(found.contents, found.resolver)
            skipped = ("$id", "$schema")
            return {key: inline(value, at) for key, value in node.items() if key not in skipped}
        if isinstance(node, list):
            return [inline(item, at) for item in node]
        return node

    return dict(inline(schema, registry().resolver(base_uri=schema["$id"])))


def _types(schema: dict[str, Any]) -> set[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    return {kind} if isinstance(kind, str) else set(kind)


def _widens(old_type: str, new_types: set[str]) -> bool:
    return old_type in new_types or (old_type == "integer" and "number" in new_types)


def breaking_changes(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """Every way `new` refuses documents that `old` accepted, as far as these rules can tell."""
    where = path or "(root)"
    problems: list[str] = []
    old_types, new_types = _types(old), _types(new)
    if new_types is not None and (
        old_types is None or not all(_widens(t, new_types) for t in old_types)
    ):
        problems.append(
            f"{where}: type narrowed from {sorted(old_types or ['any'])} to {sorted(new_types)}"
        )
    if "enum" in new:
        lost = [value for value in old.get("enum", []) if value not in new["enum"]]
        if "enum" not in old or lost:
            problems.append(f"{where}: enum narrowed" + (f", lost {lost}" if lost else ""))
    for added in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        problems.append(f"{where}: new required property {added!r}")
    old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
    for removed in sorted(set(old_properties) - set(new_properties)):
        problems.append(f"{where}: property {removed!r} removed")
    if new.get("additionalProperties") is False and old.get("additionalProperties") is not False:
        problems.append(f"{where}: extra properties now forbidden")
    for name in sorted(set(old_properties) & set(new_properties)):
        problems += breaking_changes(
            old_properties[name], new_properties[name], f"{path}.{name}" if path else name
        )
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        problems += breaking_changes(old["items"], new["items"], f"{path}[]")
    for keyword in ("allOf", "oneOf", "anyOf"):
        for index, (before, after) in enumerate(
            zip(old.get(keyword, []), new.get(keyword, []), strict=False)
        ):
            problems += breaking_changes(before, after, f"{path}<{keyword}{index}>")
    return problems


def released_names(root: Path = RELEASED) -> dict[str, Path]:
    return {
        str(path.relative_to(root).with_suffix("")): path for path in sorted(root.rglob("*.json"))
    }


def check(root: Path = RELEASED, current: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """What the gate refuses; empty when every released contract is still honoured."""
    now = current if current is not None else {name: bundled(name) for name in all_schemas()}
    problems: list[str] = []
    for name, path in released_names(root).items():
        old = json.loads(path.read_text("utf-8"))
        if name in now:
            problems += [f"{name}: {problem}" for problem in breaking_changes(old, now[name])]
        elif not _has_newer_version(name, now):
            problems.append(f"{name}: a released version was removed without a newer one")
    return problems


def _has_newer_version(name: str, current: dict[str, Any]) -> bool:
    match = _VERSION.match(name)
    if match is None:
        return False
    base, version = match["base"], int(match["version"])
    return any(
        (m := _VERSION.match(other)) and m["base"] == base and int(m["version"]) > version
        for other in current
    )


def release(root: Path = RELEASED) -> list[str]:
    """Snapshot every current schema as released; returns the names written."""
    written = []
    for name in sorted(all_schemas()):
        if name.startswith("common."):
            continue
        target = root / f"{name}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            json.dumps(bundled(name), indent=2, ensure_ascii=False, sort_keys=True) + "\n", "utf-8"
        )
        written.append(name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--release", action="store_true", help="snapshot the current schemas as released"
    )
    arguments = parser.parse_args(argv)
    if arguments.release:
        print(f"released {len(release())} schemas into {RELEASED}")
        return 0
    problems = check()
    for problem in problems:
        print(problem)
    print("contract gate: " + ("FAILED" if problems else "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
