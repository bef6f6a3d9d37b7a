"""`entrega events`: put events on a bus, watch a bus live, replay a bus's archive.

Works against the embedded stack (give `--endpoint-url`, which `entrega serve` prints as
the AWS emulator's address) or any EventBridge bus the AWS credentials can reach.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from entrega_local.probe import drain, subscribed_queue

app = typer.Typer(help="Publish, tail and replay events on Entrega's bus.", no_args_is_help=True)
console = Console()

Endpoint = typer.Option(
    None, "--endpoint-url", help="AWS endpoint, e.g. the embedded emulator's URL."
)
Bus = typer.Option("entrega", "--bus", help="The event bus name.")


def _client(service: str, endpoint: str | None) -> Any:
    import boto3

    session: Any = boto3.session.Session()
    return session.client(service, endpoint_url=endpoint)


@app.command()
def publish(
    file: Path = typer.Argument(..., help="JSON: {source, detail-type, detail} or a list of them."),
    endpoint: str | None = Endpoint,
    bus: str = Bus,
) -> None:
    """Put the events in FILE on the bus (Entrega's own events are checked against contracts/)."""
    from entrega_contracts.schemas import all_schemas, violations

    loaded = json.loads(file.read_text("utf-8"))
    entries = []
    for event in loaded if isinstance(loaded, list) else [loaded]:
        name = f"events/{event['detail-type']}.v{event['detail'].get('version', 1)}"
        if name in all_schemas():
            problems = violations(
                name, {k: v for k, v in event["detail"].items() if k != "version"}
            )
            if problems:
                raise typer.BadParameter(
                    f"{name}: " + "; ".join(f"{p.field}: {p.message}" for p in problems)
                )
        entries.append(
            {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "EventBusName": bus,
            }
        )
    answer = _client("events", endpoint).put_events(Entries=entries)
    for entry in answer["Entries"]:
        console.print(
            entry.get("EventId") or f"[red]{entry.get('ErrorCode')}: {entry.get('ErrorMessage')}[/]"
        )
    raise typer.Exit(1 if answer.get("FailedEntryCount") else 0)


@app.command()
def tail(
    pattern: str = typer.Option(
        '{"source": [{"prefix": ""}]}', help="EventBridge pattern to follow."
    ),
    seconds: float = typer.Option(60.0, help="Stop after this long."),
    endpoint: str | None = Endpoint,
    bus: str = Bus,
) -> None:
    """Print events matching PATTERN as they arrive, through a temporary rule and queue."""
    sqs, events = _client("sqs", endpoint), _client("events", endpoint)
    deadline = time.monotonic() + seconds
    with contextlib.suppress(KeyboardInterrupt), subscribed_queue(sqs, events, bus, pattern) as url:
        while time.monotonic() < deadline:
            for event in drain(sqs, url, wait_seconds=1):
                shown = {k: event[k] for k in ("time", "source", "detail-type", "detail")}
                console.print_json(json.dumps(shown, default=str))


@app.command()
def replay(
    start: datetime = typer.Option(..., help="From this time (ISO 8601)."),
    end: datetime = typer.Option(..., help="Until this time (ISO 8601)."),
    archive: str = typer.Option("entrega-archive", help="The archive to replay from."),
    endpoint: str | None = Endpoint,
    bus: str = Bus,
) -> None:
    """Send the archived events of a time range to the bus again; consumers dedupe by event id."""
    events = _client("events", endpoint)
    source = events.describe_archive(ArchiveName=archive)["ArchiveArn"]
    target = events.describe_event_bus(Name=bus)["Arn"]
    name = f"entrega-replay-{uuid.uuid4().hex[:8]}"
    events.start_replay(
        ReplayName=name,
        EventSourceArn=source,
        EventStartTime=start,
        EventEndTime=end,
        Destination={"Arn": target},
    )
    console.print(f"replay {name} started: {events.describe_replay(ReplayName=name)['State']}")
