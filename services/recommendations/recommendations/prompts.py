"""The versioned prompt files for Amazon Bedrock, and the one place that fills them in.

A change to what the model is asked is a new version (insight.v2.*), so that logs, metrics
and the evaluation can tell answers to different prompts apart.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from string import Template
from typing import Any

from recommendations.models import Prompt

VERSION = "insight.v1"
FOLDER = Path(__file__).parent / "prompts"


@functools.cache
def _read(name: str) -> str:
    return (FOLDER / f"{VERSION}.{name}").read_text("utf-8")


def system_text() -> str:
    return _read("system.txt").strip()


def user_text(prompt: Prompt) -> str:
    """The user turn: the prompt's data as JSON, inside the versioned wording."""
    order = json.dumps(prompt.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
    return Template(_read("user.txt")).substitute(order=order).strip()


def tool_spec() -> dict[str, Any]:
    """The tool the model must call; its input schema is how the answer is structured."""
    spec: dict[str, Any] = json.loads(_read("tool.json"))
    return spec


def tool_name() -> str:
    return str(tool_spec()["name"])
