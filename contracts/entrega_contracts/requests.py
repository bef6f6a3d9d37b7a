"""API requests and answers the same way in every service: a body is a JSON object within a
size, and every error answer is an RFC 9457 problem document with a stable `code`.

Bad bodies raise one of two errors that each service maps to its own problem answer (413 or
400). Deeply nested JSON counts as malformed rather than crashing the parser.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response

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


def problem(
    status: int, code: str, title: str, errors: list[dict[str, Any]] | None = None
) -> Response[str]:
    """The problem+json answer every API gives for `code`, with one entry per bad field if any."""
    from aws_lambda_powertools.event_handler import Response

    body: dict[str, Any] = {
        "type": f"https://entrega.dev/problems/{code.lower().replace('_', '-')}",
        "title": title,
        "status": status,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return Response(
        status_code=status,
        content_type="application/problem+json",
        body=json.dumps(body, ensure_ascii=False),
    )
