"""The embedded stack: every Entrega stack deployed into the in-process emulator, and its API.

    with EmbeddedStack.started() as stack:
        requests.post(f"{stack.url}/orders", ...)

Stacks deploy in the order a real pipeline would: the bus, then the services (each
publishing its function ARNs to SSM), then the saga that calls them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from entrega_local import seed
from entrega_local.deploy import DeployedStack, Deployer, Schedule
from entrega_local.emulator import running_emulator
from entrega_local.faults import Faults
from entrega_local.gateway import Gateway
from entrega_local.lambdas import ACCOUNT, REGION, LambdaRuntime
from entrega_local.restapi import Route
from entrega_local.webpages import WebPages, page_config
from entrega_local.websocket import WebSocketGateway

ROOT = Path(__file__).resolve().parents[2]
STACKS = (
    ("entrega-contracts", ROOT / "contracts" / "template.yaml"),
    ("entrega-inventory", ROOT / "services" / "inventory" / "template.yaml"),
    ("entrega-payments", ROOT / "services" / "payments" / "template.yaml"),
    ("entrega-recommendations", ROOT / "services" / "recommendations" / "template.yaml"),
    ("entrega-intake", ROOT / "services" / "intake" / "template.yaml"),
    ("entrega-notifications", ROOT / "services" / "notifications" / "template.yaml"),
    ("entrega-orchestration", ROOT / "orchestration" / "template.yaml"),
)


@dataclass(frozen=True)
class SentEmail:
    """An email as its recipient reads it: who it went to, the subject and both bodies."""

    message_id: str
    to: str
    subject: str
    text: str
    html: str

    @classmethod
    def parse(cls, message_id: str, raw: str | bytes) -> SentEmail:
        data = raw.encode() if isinstance(raw, str) else raw
        mime = BytesParser(policy=policy.default).parsebytes(data)
        text = mime.get_body(preferencelist=("plain",))
        html = mime.get_body(preferencelist=("html",))
        return cls(
            message_id=message_id,
            to=str(mime["To"]),
            subject=str(mime["Subject"]),
            text=text.get_content() if text else "",
            html=html.get_content() if html else "",
        )


@dataclass(frozen=True)
class SentSms:
    """A text message as SNS accepted it: the E.164 number and the text."""

    message_id: str
    to: str
    text: str


@dataclass
class EmbeddedStack:
    url: str
    emulator_url: str
    runtime: LambdaRuntime
    faults: Faults
    stacks: dict[str, DeployedStack] = field(default_factory=dict)
    sockets: WebSocketGateway | None = None
    pages: WebPages | None = None
    deployer: Deployer | None = None
    # The parameter values each stack's state machines are defined with now (parameters()).
    redefined: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def web_url(self) -> str:
        """Where the tracking page and the kitchen board are served (web/)."""
        return f"{self.url}/web"

    @classmethod
    @contextmanager
    def started(
        cls,
        port: int = 0,
        faults: str = "",
        seed_data: bool = True,
        run_schedules: bool = False,
        parameters: dict[str, dict[str, str]] | None = None,
    ) -> Iterator[EmbeddedStack]:
        """Start the emulator, deploy every stack, load sample data, serve the API on 127.0.0.1.

        Scheduled functions (SAM `Schedule` events) run on their rate only with
        `run_schedules`; tests and the demo call them when they need them, with `invoke`.
        `parameters` gives stacks other parameter values, by short name
        (`{"orchestration": {"AcceptTimeoutSeconds": "60"}}`), as `sam deploy
        --parameter-overrides` would.
        """
        given = {f"entrega-{name}": values for name, values in (parameters or {}).items()}
        injected = Faults()
        runtime = LambdaRuntime(injected)
        with ExitStack() as cleanup:
            emulator_url = cleanup.enter_context(running_emulator(runtime))
            cleanup.callback(runtime.shutdown)
            environment: dict[str, str] = {}
            cleanup.callback(_forget, environment)
            # Started before deploying: a WebSocket API's endpoint names the server's port.
            sockets = WebSocketGateway(runtime)
            sockets.start()
            cleanup.callback(sockets.stop)
            deployer = Deployer(runtime, environment, sockets)
            deployed = {
                name: deployer.deploy(name, path, {**_overrides(name, port), **given.get(name, {})})
                for name, path in STACKS
            }
            if seed_data:
                _seed(deployed)

            routes: list[Route] = [route for stack in deployed.values() for route in stack.routes]
            documents = [
                document for stack in deployed.values() for document in stack.api_documents
            ]
            gateway = Gateway(runtime, routes, port, documents, emulator_url)
            socket_url = deployed["entrega-notifications"].outputs["TrackingSocketUrl"]
            gateway.pages = WebPages(page_config(gateway.url, socket_url))
            gateway.start()
            cleanup.callback(gateway.stop)
            injected.load(faults or os.environ.get("ENTREGA_FAULTS", ""))
            if run_schedules:
                schedules = [entry for stack in deployed.values() for entry in stack.schedules]
                cleanup.callback(_run_on_schedule(runtime, schedules))
            yield cls(
                gateway.url,
                emulator_url,
                runtime,
                injected,
                deployed,
                sockets,
                gateway.pages,
                deployer,
                given,
            )

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Invoke a deployed function by its template name, as a schedule or an operator would."""
        function = next(f for f in self.runtime.functions.values() if f.logical_id == logical_id)
        result, failed = self.runtime.invoke(function.name, event)
        if failed:
            raise RuntimeError(
                f"{logical_id} failed: {result['errorType']}: {result['errorMessage']}"
            )
        return result

    @contextmanager
    def parameters(self, stack: str, **values: str) -> Iterator[None]:
        """Run with a stack's state machines redefined for other parameter values, then restore.

        Tests use it for short waits: `with stack.parameters("orchestration",
        AcceptTimeoutSeconds="2"):` gives executions started inside a two-second wait. Nested
        uses add to the values around them and give them back when they end.
        """
        assert self.deployer is not None
        name = f"entrega-{stack}"
        path = dict(STACKS)[name]
        around = self.redefined.get(name, {})
        self.redefined[name] = {**around, **values}
        self.deployer.redefine_state_machines(self.stacks[name], path, self.redefined[name])
        try:
            yield
        finally:
            self.redefined[name] = around
            self.deployer.redefine_state_machines(self.stacks[name], path, around)

    def token(self, role: str, sub: str, shop: str | None = None, ttl_seconds: int = 3600) -> str:
        """An ID token of this stack's user pool for a customer, a shop's staff or a courier."""
        from entrega_local.identity import mint

        pool, client = (
            self.output("contracts", "UserPoolId"),
            self.output("contracts", "UserPoolClientId"),
        )
        return mint(pool, client, role, sub, shop, ttl_seconds)

    @property
    def shop_id(self) -> str:
        """The one shop this stack serves (inventory's ShopId)."""
        return os.environ["SHOP_ID"]

    def output(self, stack: str, name: str) -> str:
        return self.stacks[f"entrega-{stack}"].outputs[name]

    def count_items(self, stack: str, table_output: str) -> int:
        """How many items a table holds, read from the emulator as an operator would."""
        import boto3

        table = self.output(stack, table_output)
        return int(
            boto3.session.Session()
            .client("dynamodb")
            .scan(TableName=table, Select="COUNT")["Count"]
        )

    def sent_emails(self) -> list[SentEmail]:
        """Every email SES accepted, parsed from the raw MIME the emulator keeps, oldest first."""
        from moto.ses.models import ses_backends

        return [
            SentEmail.parse(message.id, message.raw_data)
            for message in ses_backends[ACCOUNT][REGION].sent_messages
        ]

    def sent_sms(self) -> list[SentSms]:
        """Every SMS SNS accepted, from the emulator's record, oldest first."""
        from moto.sns.models import sns_backends

        sent = sns_backends[ACCOUNT][REGION].sms_messages
        return [SentSms(message_id, to, text) for message_id, (to, text) in sent.items()]

    def settle(self, timeout: float = 60.0) -> bool:
        """Wait for running sagas and queued event deliveries (notifications and their echoes).

        A saga's last task writes the order's status before it publishes the event, so the
        status can be read while no delivery is queued yet: running sagas are waited for too.
        """
        import boto3

        sagas = boto3.session.Session().client("stepfunctions")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            idle = self.runtime.wait_idle(max(0.0, deadline - time.monotonic()))
            if idle and not _running(sagas):
                return True
            time.sleep(0.02)
        return False


def _running(sagas: Any) -> bool:
    """Whether any execution of an Express state machine (a saga) is still running.

    Standard workflows wait for people for minutes or hours, so they are not waited for.
    """
    return any(
        sagas.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")[
            "executions"
        ]
        for machine in sagas.list_state_machines()["stateMachines"]
        if machine.get("type") == "EXPRESS"
    )


def _run_on_schedule(runtime: LambdaRuntime, schedules: list[Schedule]) -> Callable[[], None]:
    """Start a thread that invokes each scheduled function on its rate; return its stopper."""
    stop = threading.Event()

    def loop() -> None:
        due = {entry.function: time.monotonic() + entry.every_seconds for entry in schedules}
        while not stop.wait(1.0):
            for entry in schedules:
                if time.monotonic() >= due[entry.function]:
                    runtime.invoke_async(
                        entry.function, {"source": "aws.events", "detail-type": "Scheduled Event"}
                    )
                    due[entry.function] = time.monotonic() + entry.every_seconds

    threading.Thread(target=loop, name="schedules", daemon=True).start()
    return stop.set


def _overrides(stack: str, port: int) -> dict[str, str]:
    if stack == "entrega-notifications" and port:
        return {"TrackingBaseUrl": f"http://127.0.0.1:{port}/orders"}
    return {}


def _seed(deployed: dict[str, DeployedStack]) -> None:
    inventory = deployed["entrega-inventory"].outputs
    seed.load_inventory(
        inventory["CatalogTableName"], inventory["StockTableName"], inventory["ShopTableName"]
    )
    seed.load_history(deployed["entrega-recommendations"].outputs["HistoryTableName"])


def _forget(environment: dict[str, str]) -> None:
    for key in environment:
        os.environ.pop(key, None)
