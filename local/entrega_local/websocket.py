"""API Gateway's WebSocket APIs for the embedded stack, on 127.0.0.1, with the standard library.

moto records PostToConnection calls but has no socket behind them, so a page could never
receive a push. This server plays both sides of an AWS::ApiGatewayV2::Api with
ProtocolType WEBSOCKET, as the templates declare it:

- `ws://127.0.0.1:<port>/<api_id>/<stage>?order_id=…` upgrades to a WebSocket (RFC 6455)
  once the `$connect` route's function answers 2xx; closing it runs `$disconnect`; a text
  message from the client runs `$default` (Entrega routes none, so it gets "Forbidden").
- `POST|GET|DELETE http://127.0.0.1:<port>/<api_id>/<stage>/@connections/<id>` is the
  API Gateway Management API that functions reach through boto3's `apigatewaymanagementapi`
  client; an unknown connection answers 410 GoneException, as on AWS.

Functions run in the LambdaRuntime with API Gateway's WebSocket proxy event. Requests are
not signature-checked, and there are no idle or two-hour connection limits.
`WebSocketClient` is a minimal client, for tests and the demo.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from entrega_local.lambdas import ACCOUNT, LambdaRuntime

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's limit for one WebSocket message
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


@dataclass
class SocketApi:
    api_id: str
    stages: set[str] = field(default_factory=set)
    integrations: dict[str, str] = field(default_factory=dict)  # integration id -> function
    routes: dict[str, str] = field(default_factory=dict)  # route key -> function


@dataclass
class Connection:
    connection_id: str
    api_id: str
    stage: str
    sock: socket.socket
    connected_at: datetime
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, opcode: int, payload: bytes) -> bool:
        try:
            with self.lock:
                self.sock.sendall(_frame(opcode, payload, mask=False))
        except OSError:
            return False
        return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    gateway: WebSocketGateway


class WebSocketGateway:
    def __init__(self, runtime: LambdaRuntime, port: int = 0) -> None:
        self.runtime = runtime
        self.apis: dict[str, SocketApi] = {}
        self.connections: dict[str, Connection] = {}
        self._stopping = False
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.gateway = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="websocket-gateway", daemon=True
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        for connection in list(self.connections.values()):
            _close_quietly(connection.sock)
        self._server.shutdown()
        self._server.server_close()

    def create(self, kind: str, name: str, props: dict[str, Any]) -> str:
        """Create an AWS::ApiGatewayV2::* resource from a template; return what its Ref gives."""
        if kind == "AWS::ApiGatewayV2::Api" and props.get("ProtocolType") == "WEBSOCKET":
            api_id = hashlib.sha1(name.encode()).hexdigest()[:10]
            self.apis[api_id] = SocketApi(api_id)
            return api_id
        api = self.apis.get(str(props.get("ApiId")))
        if api is not None and kind == "AWS::ApiGatewayV2::Integration":
            integration_id = uuid.uuid4().hex[:7]
            # arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations
            function = str(props["IntegrationUri"]).split("/functions/")[-1].split("/")[0]
            api.integrations[integration_id] = function
            return integration_id
        if api is not None and kind == "AWS::ApiGatewayV2::Route":
            integration = str(props["Target"]).removeprefix("integrations/")
            api.routes[str(props["RouteKey"])] = api.integrations[integration]
            return uuid.uuid4().hex[:7]
        if api is not None and kind == "AWS::ApiGatewayV2::Stage":
            api.stages.add(str(props["StageName"]))
            return str(props["StageName"])
        raise ValueError(f"{name}: {kind} {props.get('ProtocolType', '')} is not served locally")

    def attribute(self, api_id: str, attribute: str) -> str:
        if attribute == "ApiEndpoint":
            return f"ws://{self.address}/{api_id}"
        raise ValueError(f"Fn::GetAtt {attribute} of a WebSocket API is not supported")

    def connect(self, api_id: str, stage: str, query: str, headers: dict[str, str]) -> str | int:
        """Run $connect for a new connection: its id if accepted, else the status refusing it."""
        connection_id = _connection_id()
        event = self._event(api_id, stage, "$connect", connection_id, headers)
        parsed = parse_qs(query)
        event["queryStringParameters"] = {k: v[-1] for k, v in parsed.items()} or None
        event["multiValueQueryStringParameters"] = parsed or None
        status = self._invoke(api_id, "$connect", event)
        return connection_id if 200 <= status < 300 else max(status, 400)

    def received(self, connection: Connection, body: str) -> None:
        if "$default" not in self.apis[connection.api_id].routes:
            error = {"message": "Forbidden", "connectionId": connection.connection_id}
            connection.send(TEXT, json.dumps(error).encode())
            return
        event = self._event(
            connection.api_id, connection.stage, "$default", connection.connection_id
        )
        self._invoke(connection.api_id, "$default", {**event, "body": body})

    def closed(self, connection: Connection) -> None:
        self.connections.pop(connection.connection_id, None)
        if not self._stopping:
            event = self._event(
                connection.api_id, connection.stage, "$disconnect", connection.connection_id
            )
            self._invoke(connection.api_id, "$disconnect", event)

    def manage(self, method: str, connection_id: str, data: bytes) -> tuple[int, Any]:
        """The Management API on one connection: POST sends `data`, DELETE closes, GET reads."""
        connection = self.connections.get(connection_id)
        if method == "POST" and connection is not None and connection.send(TEXT, data):
            return 200, None
        if method == "DELETE" and connection is not None:
            connection.send(CLOSE, struct.pack("!H", 1000))
            return 204, None
        if method == "GET" and connection is not None:
            at = connection.connected_at.isoformat()
            return 200, {"connectedAt": at, "lastActiveAt": at, "identity": {}}
        return 410, {"message": None}

    def _invoke(self, api_id: str, route: str, event: dict[str, Any]) -> int:
        function = self.apis[api_id].routes.get(route)
        if function is None:
            return 200
        result, failed = self.runtime.invoke(function, event)
        if failed or not isinstance(result, dict):
            return 500
        return int(result.get("statusCode", 200))

    def _event(
        self,
        api_id: str,
        stage: str,
        route: str,
        connection_id: str,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        now, headers = int(time.time() * 1000), headers or {}
        kind = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
        return {
            "headers": headers or None,
            "multiValueHeaders": {key: [value] for key, value in headers.items()} or None,
            "isBase64Encoded": False,
            "requestContext": {
                "routeKey": route,
                "eventType": kind,
                "messageDirection": "IN",
                "connectionId": connection_id,
                "connectedAt": now,
                "requestTimeEpoch": now,
                "requestId": str(uuid.uuid4()),
                "stage": stage,
                "apiId": api_id,
                "domainName": self.address,
                "accountId": ACCOUNT,
                "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent")},
            },
        }


def _connection_id() -> str:
    # API Gateway's connection ids are 16 characters of URL-safe base64 ending in '='.
    return base64.b64encode(os.urandom(11)).decode().replace("/", "_").replace("+", "-")[:15] + "="


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _segments(self) -> list[str]:
        return [unquote(segment) for segment in urlsplit(self.path).path.split("/") if segment]

    def do_GET(self) -> None:
        segments = self._segments()
        if self.headers.get("Upgrade", "").lower() == "websocket" and len(segments) == 2:
            self._upgrade(segments[0], segments[1], urlsplit(self.path).query)
        else:
            self.do_POST()

    def do_POST(self) -> None:
        segments = self._segments()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(segments) != 4 or segments[2] != "@connections":
            self._reply(404, {"message": "Not Found"})
            return
        status, answer = self.server.gateway.manage(self.command, segments[3], body)
        self._reply(status, answer, {"x-amzn-ErrorType": "GoneException"} if status == 410 else {})

    do_DELETE = do_POST

    def _upgrade(self, api_id: str, stage: str, query: str) -> None:
        gateway = self.server.gateway
        api, key = gateway.apis.get(api_id), self.headers.get("Sec-WebSocket-Key", "")
        if api is None or stage not in api.stages or not key:
            self._reply(404, {"message": "Not Found"})
            return
        accepted = gateway.connect(api_id, stage, query, dict(self.headers.items()))
        if isinstance(accepted, int):
            self._reply(accepted, {"message": "Forbidden"})
            return

        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        for name, value in (("Upgrade", "websocket"), ("Connection", "Upgrade")):
            self.send_header(name, value)
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        connection = Connection(accepted, api_id, stage, self.connection, datetime.now(UTC))
        gateway.connections[accepted] = connection
        try:
            _serve(gateway, connection, self.rfile)
        finally:
            gateway.closed(connection)
            self.close_connection = True

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in {**(headers or {}), "Content-Type": "application/json"}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


def _serve(gateway: WebSocketGateway, connection: Connection, stream: Any) -> None:
    """Read the page's frames until it closes: answer pings, route text, echo the close."""
    message = b""
    while True:
        try:
            fin, opcode, payload = _read_frame(stream, masked=True)
        except (OSError, ValueError):
            return
        if opcode == CLOSE:
            connection.send(CLOSE, payload[:2])
            return
        if opcode == PING:
            connection.send(PONG, payload)
        if opcode in (PING, PONG):
            continue
        message = payload if opcode else message + payload  # opcode 0 continues a message
        if len(message) > MAX_MESSAGE_BYTES:
            connection.send(CLOSE, struct.pack("!H", 1009))
            return
        if fin and opcode in (TEXT, 0):
            gateway.received(connection, message.decode("utf-8", errors="replace"))


def _close_quietly(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _frame(opcode: int, payload: bytes, mask: bool) -> bytes:
    """One final frame (RFC 6455 §5.2); clients must mask what they send, servers must not."""
    size, flag = len(payload), 0x80 if mask else 0
    head = bytes([0x80 | opcode])
    if size < 126:
        head += bytes([flag | size])
    elif size < 1 << 16:
        head += bytes([flag | 126]) + struct.pack("!H", size)
    else:
        head += bytes([flag | 127]) + struct.pack("!Q", size)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(byte ^ key[index % 4] for index, byte in enumerate(payload))


def _read_exactly(stream: Any, size: int) -> bytes:
    data = stream.read(size) if size else b""
    if len(data) < size:
        raise ConnectionError("the other side closed the connection")
    return bytes(data)


def _read_frame(stream: Any, masked: bool) -> tuple[bool, int, bytes]:
    first, second = _read_exactly(stream, 2)
    size = second & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", _read_exactly(stream, 2))
    elif size == 127:
        (size,) = struct.unpack("!Q", _read_exactly(stream, 8))
    if size > MAX_MESSAGE_BYTES or bool(second & 0x80) != masked:
        raise ValueError("frame too large, or masked the wrong way")
    key = _read_exactly(stream, 4) if masked else b""
    payload = _read_exactly(stream, size)
    if masked:
        payload = bytes(byte ^ key[index % 4] for index, byte in enumerate(payload))
    return bool(first & 0x80), first & 0x0F, payload


class WebSocketClient:
    """A minimal WebSocket client, as an order-tracking page would be."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
        self.stream = self.sock.makefile("rb")
        key = base64.b64encode(os.urandom(16)).decode()
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        self.sock.sendall(
            f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        status = self.stream.readline().decode().split()
        while self.stream.readline() not in (b"\r\n", b""):
            pass
        if status[1:2] != ["101"]:
            self.stream.close()
            _close_quietly(self.sock)
            raise ConnectionRefusedError(f"the WebSocket API answered {' '.join(status[1:2])}")

    def receive(self, timeout: float = 5.0) -> str | None:
        """The next text message, or None if none comes within `timeout` or the server closed."""
        self.sock.settimeout(timeout)
        while True:
            try:
                _, opcode, payload = _read_frame(self.stream, masked=False)
            except (OSError, ValueError):
                return None
            if opcode == TEXT:
                return payload.decode("utf-8")
            if opcode == CLOSE:
                return None

    def send(self, text: str) -> None:
        self.sock.sendall(_frame(TEXT, text.encode(), mask=True))

    def close(self) -> None:
        """Close as a browser does: send a close frame and wait for the server's."""
        with contextlib.suppress(OSError, ValueError):
            self.sock.sendall(_frame(CLOSE, struct.pack("!H", 1000), mask=True))
            self.sock.settimeout(1.0)
            while _read_frame(self.stream, masked=False)[1] != CLOSE:
                pass
        self.stream.close()
        _close_quietly(self.sock)
