"""The web pages in web/ on the embedded stack's gateway, at /web/, as CloudFront serves them.

The pages are static files; what they need to know about where they run (the API's URL,
the tracking WebSocket's URL) is in /web/config.json, which this module writes from the
running stack, as `entrega web-config` writes it for a deployment. The saga view reads
/web/order-saga.asl.json, the very workflow file the saga runs, never a copy kept in web/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
SAGA_DEFINITION = ROOT / "orchestration" / "order-saga.asl.json"
PREFIX = "/web"
# How often the kitchen board asks for the shop's open orders when nothing else moved it.
BOARD_REFRESH_SECONDS = 3

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
Reply = tuple[int, dict[str, str], bytes]


def page_config(
    api_url: str, socket_url: str, refresh: int = BOARD_REFRESH_SECONDS
) -> dict[str, Any]:
    """config.json: an empty `api_url` means the API answers on the pages' own origin."""
    return {"api_url": api_url, "socket_url": socket_url, "board_refresh_seconds": refresh}


@dataclass
class WebPages:
    config: dict[str, Any]
    root: Path = WEB
    extra: dict[str, Path] = field(default_factory=lambda: {"order-saga.asl.json": SAGA_DEFINITION})

    def serve(self, method: str, path: str) -> Reply | None:
        """The answer for a path under /web, or None for a path that belongs to the API."""
        if path != PREFIX and not path.startswith(f"{PREFIX}/"):
            return None
        if method != "GET":
            return _plain(405, "the pages are only read", {"Allow": "GET"})
        if path == PREFIX:
            # The pages' relative links need the folder's trailing slash.
            return _plain(301, "moved", {"Location": f"{PREFIX}/"})
        name = path.removeprefix(PREFIX).lstrip("/") or "index.html"
        if name == "config.json":
            return self._reply(".json", json.dumps(self.config).encode())
        file = self.extra.get(name) or (self.root / name).resolve()
        inside = name in self.extra or file.is_relative_to(self.root.resolve())
        if not inside or not file.is_file() or file.suffix not in _TYPES:
            return _plain(404, "no such page", {})
        return self._reply(file.suffix, file.read_bytes())

    def _reply(self, suffix: str, body: bytes) -> Reply:
        return 200, {"Content-Type": _TYPES[suffix], **self.headers()}, body

    def headers(self) -> dict[str, str]:
        """What CloudFront's response headers policy adds in web/template.yaml, kept alike."""
        sources = " ".join(
            sorted({_origin(self.config.get("api_url", "")), _origin(self.config["socket_url"])})
        ).strip()
        return {
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": (
                f"default-src 'self'; connect-src 'self' {sources}; img-src 'self' data:; "
                "base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
            ),
        }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _plain(status: int, text: str, headers: dict[str, str]) -> Reply:
    return status, {"Content-Type": "text/plain; charset=utf-8", **headers}, text.encode()
