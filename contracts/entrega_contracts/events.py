"""Domain events as EventBridge entries, checked against their contracts before they leave.

An event's detail-type and version come from its schema file name (OrderPlaced.v1), and its
source from the schema's `x-entrega-source`, so a producer cannot drift from the contract.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from entrega_contracts.schemas import all_schemas, validate

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef


@dataclass(frozen=True, slots=True)
class EventType:
    detail_type: str
    version: int
    source: str

    @property
    def schema(self) -> str:
        return f"events/{self.detail_type}.v{self.version}"


def event_type(detail_type: str, version: int = 1) -> EventType:
    """The contract of a detail-type at a version, as the schema file declares it."""
    schema = all_schemas()[f"events/{detail_type}.v{version}"]
    return EventType(detail_type, version, str(schema["x-entrega-source"]))


def entry(
    detail_type: str, detail: dict[str, Any], bus_name: str, version: int = 1
) -> PutEventsRequestEntryTypeDef:
    """A PutEvents entry for `detail`, after checking it against the event's schema."""
    kind = event_type(detail_type, version)
    validate(kind.schema, detail)
    return {
        "Source": kind.source,
        "DetailType": kind.detail_type,
        "Detail": json.dumps(
            {**detail, "version": kind.version}, ensure_ascii=False, sort_keys=True
        ),
        "EventBusName": bus_name,
    }


class PublishError(RuntimeError):
    """EventBridge refused one or more entries; the caller should fail so the step is retried."""


_client_lock = threading.Lock()


@functools.cache
def _events_client() -> EventBridgeClient:
    import boto3

    with _client_lock:
        return boto3.session.Session().client("events")


# PutEvents takes at most ten entries a call.
_BATCH = 10


def publish(entries: list[PutEventsRequestEntryTypeDef]) -> None:
    """Put entries on the bus; a partial failure raises so that nothing is silently lost.

    More than ten entries go in several calls. A failure stops at its batch: the caller
    retries, and consumers, which apply each event once, see the earlier ones again.
    """
    for start in range(0, len(entries), _BATCH):
        response = _events_client().put_events(Entries=entries[start : start + _BATCH])
        if response.get("FailedEntryCount", 0):
            codes = sorted(
                {str(e.get("ErrorCode")) for e in response["Entries"] if e.get("ErrorCode")}
            )
            raise PublishError(
                f"EventBridge rejected {response['FailedEntryCount']} entries: {codes}"
            )


def parse_detail(event: dict[str, Any]) -> dict[str, Any]:
    """The detail of an EventBridge event delivered to a consumer, checked against its contract."""
    detail = dict(event["detail"])
    version = int(detail.pop("version", 1))
    validate(event_type(str(event["detail-type"]), version).schema, detail)
    return detail
