"""API Gateway for the embedded stack: HTTP on 127.0.0.1, turned into REST proxy events.

Routes come from the services' OpenAPI documents (restapi.py). Each request becomes the
event API Gateway's Lambda proxy integration sends (version 1.0), and the function's
answer (statusCode, headers, body) becomes the HTTP response. A request missing a header
the document requires gets the document's BAD_REQUEST_PARAMETERS answer, as API Gateway's
request validator gives it. On AWS each service is its own REST API and serves its own
document at GET /openapi.json; here every service shares one port, so the gateway itself
answers GET /openapi.json with one document merging every service's routes.
A route guarded by a Cognito
authorizer first has its bearer token checked against the user pool (identity.py): no valid
token answers the document's UNAUTHORIZED response without calling the function, as API
Gateway does, and a valid one's claims reach the function in
`requestContext.authorizer.claims`.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from entrega_local.identity import TokenRefused, Verifier
from entrega_local.lambdas import LambdaRuntime
from entrega_local.restapi import Route, merged
from entrega_local.webpages import WebPages

STAGE = "local"
DOCUMENT_PATH = "/openapi.json"
MAX_BODY_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class CompiledRoute:
    route: Route
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, route: Route) -> CompiledRoute:
        regex = re.sub(r"\{([a-zA-Z_]+)\+?\}", r"(?P<\1>[^/]+)", route.path)
        return cls(route, re.compile(f"^{regex}$"))


class Gateway:
    def __init__(
        self,
        runtime: LambdaRuntime,
        routes: list[Route],
        port: int,
        documents: list[dict[str, Any]] | None = None,
        emulator_url: str = "",
    ) -> None:
        self.runtime = runtime
        # The static pages of web/, served beside the API as CloudFront serves them on AWS.
        self.pages: WebPages | None = None
        self.document = merged(documents or [])
        self.routes = [CompiledRoute.of(route) for route in routes if route.path != DOCUMENT_PATH]
        self.emulator_url = emulator_url
        self._verifiers: dict[str, Verifier] = {}
        self._verifiers_lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="gateway", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def match(self, method: str, path: str) -> tuple[CompiledRoute, dict[str, str]] | None:
        for compiled in self.routes:
            found = compiled.pattern.match(path)
            if found and compiled.route.method in (method, "ANY"):
                return compiled, found.groupdict()
        return None

    def handle(
        self, method: str, target: str, header_pairs: list[tuple[str, str]], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        page = self.pages.serve(method, parts.path) if self.pages else None
        if page is not None:
            return page
        if parts.path == DOCUMENT_PATH and method == "GET":
            return 200, {"Content-Type": "application/json"}, json.dumps(self.document).encode()
        matched = self.match(method, parts.path)
        if matched is None:
            allowed = sorted({c.route.method for c in self.routes if c.pattern.match(parts.path)})
            if allowed:
                return _no_route(
                    405, "METHOD_NOT_ALLOWED", "this path does not take this method", allowed
                )
            return _no_route(404, "NOT_FOUND", "no route for this method and path", [])
        compiled, path_parameters = matched
        # As on API Gateway: the authorizer first, then the request validator.
        claims: dict[str, str] | None = None
        if compiled.route.authorizer:
            try:
                claims = self._verifier(compiled.route.authorizer).claims(
                    {k.lower(): v for k, v in header_pairs}.get("authorization")
                )
            except TokenRefused:
                return _unauthorized(compiled.route)
        rejection = _missing_parameter(compiled.route, header_pairs)
        if rejection is not None:
            return rejection
        event = _proxy_event(
            method,
            parts.path,
            parts.query,
            header_pairs,
            body,
            compiled.route.path,
            path_parameters,
        )
        if claims is not None:
            event["requestContext"]["authorizer"] = {"claims": claims}
        result, failed = self.runtime.invoke(compiled.route.function, event)
        if failed or not isinstance(result, dict) or "statusCode" not in result:
            # What API Gateway answers when the integration itself breaks.
            return (
                502,
                {"Content-Type": "application/json"},
                b'{"message": "Internal server error"}',
            )
        return _http_response(result)

    def _verifier(self, pool_arn: str) -> Verifier:
        """One verifier per user pool, trusting every app client the pool has."""
        with self._verifiers_lock:
            if pool_arn not in self._verifiers:
                import boto3

                pool_id = pool_arn.rsplit("/", 1)[-1]
                clients = boto3.session.Session().client("cognito-idp")
                listed = clients.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
                self._verifiers[pool_arn] = Verifier(
                    self.emulator_url,
                    pool_id,
                    frozenset(c["ClientId"] for c in listed["UserPoolClients"]),
                )
            return self._verifiers[pool_arn]


def _missing_parameter(
    route: Route, header_pairs: list[tuple[str, str]]
) -> tuple[int, dict[str, str], bytes] | None:
    """API Gateway's request validator: a required header that is absent is refused here."""
    sent = {key.lower() for key, _ in header_pairs}
    if all(name.lower() in sent for name in route.required_headers):
        return None
    answer = route.bad_parameters
    if answer is None:
        return 400, {"Content-Type": "application/json"}, b'{"message": "Invalid request"}'
    return answer.status, {"Content-Type": answer.content_type}, answer.body.encode()


def _unauthorized(route: Route) -> tuple[int, dict[str, str], bytes]:
    """The API's UNAUTHORIZED gateway response, or API Gateway's own when it sets none."""
    if route.unauthorized is not None:
        headers = {"Content-Type": route.unauthorized.content_type}
        return route.unauthorized.status, headers, route.unauthorized.body.encode()
    return 401, {"Content-Type": "application/json"}, b'{"message": "Unauthorized"}'


def _no_route(
    status: int, code: str, title: str, allowed: list[str]
) -> tuple[int, dict[str, str], bytes]:
    problem = {"type": "about:blank", "title": title, "status": status, "code": code}
    headers = {"Content-Type": "application/problem+json"}
    if allowed:
        headers["Allow"] = ", ".join(allowed)
    return status, headers, json.dumps(problem).encode()


def _proxy_event(
    method: str,
    path: str,
    query: str,
    header_pairs: list[tuple[str, str]],
    body: bytes,
    resource: str,
    path_parameters: dict[str, str],
) -> dict[str, Any]:
    parsed = parse_qs(query, keep_blank_values=True)
    # API Gateway's headers keep a repeated header's last value; multiValueHeaders keep all.
    headers = dict(header_pairs)
    repeated: dict[str, list[str]] = {}
    for key, value in header_pairs:
        repeated.setdefault(key, []).append(value)
    text = body.decode("utf-8", errors="replace") if body else None
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": repeated,
        "queryStringParameters": {key: values[-1] for key, values in parsed.items()} or None,
        "multiValueQueryStringParameters": parsed or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "body": text,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
            "accountId": "123456789012",
            "apiId": "entrega-local",
        },
    }


def _http_response(result: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    headers = {str(key): str(value) for key, value in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[str(key)] = ", ".join(str(value) for value in values)
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return int(result["statusCode"]), headers, raw


def _handler_for(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._reply(
                    413, {"Content-Type": "application/json"}, b'{"message": "Request Too Long"}'
                )
                self.close_connection = True
                return
            body = self.rfile.read(length) if length else b""
            status, response_headers, payload = gateway.handle(
                self.command, self.path, list(self.headers.items()), body
            )
            self._reply(status, response_headers, payload)

        def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
