"""Recommendations' configuration: typed, read from the environment on first use, loud when wrong.

Amazon Bedrock is switched on by BEDROCK_MODEL_ID alone; an empty value (the template's
default, and the embedded stack's) means the local model answers every order.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import TypeVar

from recommendations.errors import ConfigurationError

T = TypeVar("T", int, float)
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass(frozen=True, slots=True)
class BedrockSettings:
    model_id: str
    region: str | None = None
    max_tokens: int = 400
    guardrail_id: str | None = None
    guardrail_version: str = "DRAFT"
    # Converse's share of the ~2 s budget; the Guardrail check gets GUARDRAIL_READ_TIMEOUT.
    read_timeout: float = 1.25
    connect_timeout: float = 0.25
    guardrail_read_timeout: float = 0.5

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> BedrockSettings | None:
        """The Bedrock settings, or None when BEDROCK_MODEL_ID is unset or empty."""
        model_id = environ.get("BEDROCK_MODEL_ID", "").strip()
        if not model_id:
            return None
        return cls(
            model_id=model_id,
            region=environ.get("BEDROCK_REGION", "").strip() or None,
            max_tokens=_number(environ, "BEDROCK_MAX_TOKENS", 400, int, 50, 4096),
            guardrail_id=environ.get("BEDROCK_GUARDRAIL_ID", "").strip() or None,
            guardrail_version=environ.get("BEDROCK_GUARDRAIL_VERSION", "").strip() or "DRAFT",
            read_timeout=_number(environ, "BEDROCK_TIMEOUT_SECONDS", 1.25, float, 0.1, 10.0),
        )


@dataclass(frozen=True, slots=True)
class ShopSettings:
    """Where the kitchen is and what its clock says, for the ETA and the time of day."""

    kitchen_postal_code: str | None = None
    utc_offset: timezone = timezone(timedelta(hours=-3))

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> ShopSettings:
        offset = environ.get("SHOP_UTC_OFFSET", "").strip() or "-03:00"
        match = _OFFSET.match(offset)
        if not match:
            raise ConfigurationError(f"SHOP_UTC_OFFSET must look like -03:00, not {offset!r}")
        sign = -1 if match.group(1) == "-" else 1
        delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        return cls(
            kitchen_postal_code=environ.get("KITCHEN_POSTAL_CODE", "").strip() or None,
            utc_offset=timezone(sign * delta),
        )


def _number(environ: Mapping[str, str], name: str, default: T, kind: type[T], low: T, high: T) -> T:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}, not {value}")
    return value


@functools.cache
def bedrock() -> BedrockSettings | None:
    return BedrockSettings.from_environment(os.environ)


@functools.cache
def shop() -> ShopSettings:
    return ShopSettings.from_environment(os.environ)
