"""The `entrega` command: run the embedded stack, or the demo on it."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from entrega_local.events_cli import app as events_app
from entrega_local.webpages import BOARD_REFRESH_SECONDS, page_config

if TYPE_CHECKING:
    from entrega_local.stack import EmbeddedStack

# Where a running `entrega serve` says how to reach it, for `entrega token` and other tools.
STATE_FILE = Path(__file__).resolve().parents[2] / ".entrega" / "serve.json"

app = typer.Typer(
    help="Entrega on this machine: the embedded AWS stack, its API and the demo.",
    no_args_is_help=True,
)
app.add_typer(events_app, name="events")


def _quiet(verbose: bool) -> None:
    """Handlers log one JSON line per step; the demo and serve show them only when asked."""
    level = "INFO" if verbose else "CRITICAL"
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", level)
    logging.getLogger("botocore").setLevel(logging.WARNING)


@app.command()
def serve(
    port: int = typer.Option(8000, help="Port for the API on 127.0.0.1."),
    faults: str = typer.Option(
        "", help="Faults to inject, e.g. 'ConfirmOrder' or 'ChargePayment:DependencyUnavailable:2'."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Show the handlers' structured logs."
    ),
) -> None:
    """Run the embedded stack and serve every service's API until stopped."""
    _quiet(verbose)
    from entrega_local.stack import EmbeddedStack

    console = Console()
    with EmbeddedStack.started(port=port, faults=faults, run_schedules=True) as stack:
        _write_state(stack)
        console.print(f"Entrega is serving on [bold]{stack.url}[/]", soft_wrap=True)
        console.print(f"AWS emulator (for --endpoint-url): {stack.emulator_url}", soft_wrap=True)
        console.print(f"  try: curl {stack.url}/catalog")
        console.print(
            f"  pages: {stack.web_url}/track.html#order=ord_… and {stack.web_url}/kitchen.html",
            soft_wrap=True,
        )
        console.print("Press Ctrl+C to stop.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.is_set():
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            STATE_FILE.unlink(missing_ok=True)


def _write_state(stack: EmbeddedStack) -> None:
    STATE_FILE.parent.mkdir(exist_ok=True)
    state = {
        "api_url": stack.url,
        "emulator_url": stack.emulator_url,
        "user_pool_id": stack.output("contracts", "UserPoolId"),
        "user_pool_client_id": stack.output("contracts", "UserPoolClientId"),
        "shop_id": stack.shop_id,
        "pid": os.getpid(),
    }
    STATE_FILE.write_text(json.dumps(state, indent=2) + "\n", "utf-8")


@app.command()
def token(
    role: str = typer.Option(..., help="customer, staff or courier."),
    sub: str = typer.Option(..., help="Who: the customer id, staff member or courier id."),
    shop: str = typer.Option(None, help="The shop a staff member works for (needed for staff)."),
    ttl: int = typer.Option(3600, help="Seconds the token stays valid."),
    state: Path = typer.Option(STATE_FILE, help="The file `entrega serve` wrote on start."),
) -> None:
    """Print an ID token for the stack `entrega serve` is running, for the Authorization header."""
    from entrega_local.identity import mint

    if not state.exists():
        typer.echo(f"no running stack: start `entrega serve` first ({state} is missing)", err=True)
        raise typer.Exit(2)
    running = json.loads(state.read_text("utf-8"))
    try:
        typer.echo(
            mint(
                running["user_pool_id"],
                running["user_pool_client_id"],
                role,
                sub,
                shop,
                ttl,
            )
        )
    except ValueError as wrong:
        typer.echo(str(wrong), err=True)
        raise typer.Exit(2) from None


@app.command("web-config")
def web_config(
    socket_url: str = typer.Option(
        ..., help="The notifications stack's TrackingSocketUrl output (wss://…/live)."
    ),
    api_url: str = typer.Option(
        "",
        help="The orders API's base URL; leave empty when CloudFront serves it beside the pages.",
    ),
    refresh: int = typer.Option(
        BOARD_REFRESH_SECONDS, help="Seconds between the kitchen board's reads."
    ),
) -> None:
    """Print the web pages' config.json for a deployment of web/template.yaml."""
    print(json.dumps(page_config(api_url, socket_url, refresh), indent=2))


@app.command()
def demo(
    as_json: bool = typer.Option(
        False, "--json", help="Print the summary as JSON instead of tables."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Show the handlers' structured logs."
    ),
) -> None:
    """Place the demo's orders over HTTP on a fresh embedded stack and show how each ended."""
    _quiet(verbose)
    from entrega_local.demo import Demo, show
    from entrega_local.stack import EmbeddedStack

    console = Console()
    started = time.monotonic()
    with EmbeddedStack.started() as stack:
        if not as_json:
            console.print(f"Embedded stack up in {time.monotonic() - started:.1f}s at {stack.url}")
        outcomes = Demo(stack).run()
    if as_json:
        print(
            json.dumps(
                {
                    "scenarios": [o.to_json() for o in outcomes],
                    "passed": all(o.passed for o in outcomes),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        show(outcomes, console)
        console.print(f"Done in {time.monotonic() - started:.1f}s.")
    sys.exit(0 if all(outcome.passed for outcome in outcomes) else 1)


@app.command()
def reconcile(
    endpoint_url: str | None = typer.Option(
        None,
        help="The emulator URL `entrega serve` printed; leave it out for the AWS account and "
        "region of the environment's credentials.",
    ),
    repair: bool = typer.Option(
        False, "--repair", help="Refund and release what dead orders still hold."
    ),
) -> None:
    """Check every order's invariants across intake, payments and inventory on a running stack."""
    import boto3

    from entrega_local import reconcile as reconciler

    if endpoint_url:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "entrega-local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "entrega-local")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    names = boto3.client("dynamodb").list_tables()["TableNames"]

    def table(suffix: str) -> str:
        # Embedded names end in the logical id; CloudFormation adds a random suffix after it.
        return next(name for name in names if _named(name, suffix.removeprefix("-")))

    tables = reconciler.Tables(table("-OrdersTable"), table("-LedgerTable"), table("-StockTable"))
    findings = reconciler.check(tables)
    if repair:
        functions = [
            f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]
        ]

        def invoke(logical_id: str, event: dict[str, str]) -> None:
            name = next(f for f in functions if _named(f, logical_id))
            boto3.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event).encode())

        findings = reconciler.repair(findings, invoke)
    console = Console()
    for finding in findings:
        mark = "[green]repaired[/]" if finding.repaired else "[red]open[/]"
        console.print(f"{finding.order_id}  {finding.problem:28} {finding.detail}  {mark}")
    open_findings = [finding for finding in findings if not finding.repaired]
    console.print(f"{len(findings)} findings, {len(open_findings)} open")
    sys.exit(1 if open_findings else 0)


def _named(physical: str, logical_id: str) -> bool:
    """Whether a physical name was made from a logical id, locally or by CloudFormation."""
    return physical.endswith(f"-{logical_id}") or f"-{logical_id}-" in physical
