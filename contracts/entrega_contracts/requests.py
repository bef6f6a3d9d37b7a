"""Reading an API request's body the same way in every service: a JSON object, within a size.

Bad bodies raise one of two errors that each service maps to its own problem answer (413 or
400). Deeply nested JSON counts as malformed rather than crashing the parser.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BODY_BYTES = 256 * 1024


class BodyTooLarge(ValueError):
    """The body is over the limit; nothing was read."""


class BodyMalformed(ValueError):
    """The body is not a JSON object (not JSON at all, another JSON value, or nested too deep)."""


def json_object(text: str | None, max_bytes: int = MAX_BODY_BYTES) -> dict[str, Any]:
    raw = text or ""
    if len(raw.encode()) > max_bytes:
        raise BodyTooLarge(f"the body is over {max_bytes // 1024} KB")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BodyMalformed("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BodyMalformed("the body must be a JSON object")
    return body
