"""Every channel the customer accepts, once per status, never an older status after a newer
one; preferences and tracking pages. In-memory ports that keep the log's contract."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifications import contacts
from notifications.domain import (
    EMAIL,
    PUSH,
    SMS,
    Claim,
    Sent,
    Skip,
    notify_all,
    set_preferences,
    watch,
)
from notifications.errors import (
    DeliveryFailed,
    PreferencesInvalid,
    RecipientUnknown,
    TrackingRefused,
)
from notifications.models import Message, Preferences, Recipient, StatusChange, rank

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
ORDER_ID = "ord_q3kz7mbx2v4n6p8r0t1w3y5a7c"
TRACKING = f"https://entrega.dev/acompanhar/{ORDER_ID}"


def change(status: str) -> StatusChange:
    return StatusChange.model_validate(
        {
            "order_id": ORDER_ID,
            "status": status,
            "occurred_at": NOW,
            "total": {"amount": 12_390, "currency": "BRL"},
        }
    )


def recipient(phone: str = "+55 11 98765-4321", **preferences: object) -> Recipient:
    return Recipient(
        order_id=ORDER_ID,
        customer_id="cus_1",
        name="Ana Souza",
        email="ana@example.com",
        phone=phone,
        preferences=Preferences.model_validate(preferences),
    )


class OrderedLog:
    """The log's contract: one claim per (order, status, channel), and a claim only for a
    status at least as new as the newest claimed on that channel."""

    def __init__(self, known: Recipient) -> None:
        self.known = known
        self.state: dict[tuple[str, str], str] = {}
        self.latest: dict[str, str] = {}

    def remember(self, recipient: Recipient) -> None:
        self.known = recipient

    def recipient(self, order_id: str) -> Recipient | None:
        return self.known if order_id == self.known.order_id else None

    def claim(self, order_id: str, status: str, channel: str) -> Claim:
        if (status, channel) in self.state:
            return Claim.DUPLICATE
        newest = self.latest.get(channel)
        if newest is not None and newest != status and rank(newest) >= rank(status):
            return Claim.SUPERSEDED
        self.state[(status, channel)] = "SENDING"
        self.latest[channel] = status
        return Claim.TAKEN

    def mark_sent(self, order_id: str, status: str, channel: str, message_id: str, subject: str):
        self.state[(status, channel)] = "SENT"

    def release(self, order_id: str, status: str, channel: str) -> None:
        del self.state[(status, channel)]


class Outbox:
    """A channel that records what it sends; it can fail, or find nobody to send to."""

    def __init__(self, failures: int = 0, reachable: bool = True) -> None:
        self.failures = failures
        self.reachable = reachable
        self.sent: list[tuple[str, Message]] = []

    def send(self, to: str, message: Message) -> str | None:
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("the channel is down")
        if not self.reachable:
            return None
        self.sent.append((to, message))
        return f"id-{len(self.sent)}"


class ListAnnouncer:
    def __init__(self) -> None:
        self.announced: list[Sent] = []

    def sent(self, notification: Sent) -> None:
        self.announced.append(notification)


def channels(**overrides: Outbox) -> dict[str, Outbox]:
    return {EMAIL: Outbox(), SMS: Outbox(), PUSH: Outbox()} | overrides


def test_a_status_goes_out_on_every_channel_to_the_customers_own_addresses():
    log, outboxes, announcer = OrderedLog(recipient()), channels(), ListAnnouncer()

    report = notify_all(change("CONFIRMED"), NOW, TRACKING, log, outboxes, announcer)

    assert [sent.channel for sent in report.sent] == [EMAIL, SMS, PUSH]
    assert [to for to, _ in outboxes[EMAIL].sent] == ["ana@example.com"]
    assert [to for to, _ in outboxes[SMS].sent] == ["+5511987654321"]
    assert [to for to, _ in outboxes[PUSH].sent] == [ORDER_ID]
    assert announcer.announced == report.sent


def test_the_same_status_again_sends_nothing_anywhere():
    log, outboxes, announcer = OrderedLog(recipient()), channels(), ListAnnouncer()
    notify_all(change("CONFIRMED"), NOW, TRACKING, log, outboxes, announcer)

    again = notify_all(change("CONFIRMED"), NOW, TRACKING, log, outboxes, announcer)

    assert again.sent == []
    assert again.skipped == {EMAIL: Skip.DUPLICATE, SMS: Skip.DUPLICATE, PUSH: Skip.DUPLICATE}
    assert [len(outbox.sent) for outbox in outboxes.values()] == [1, 1, 1]


def test_an_older_status_after_a_newer_one_is_skipped_on_every_channel():
    log, outboxes, announcer = OrderedLog(recipient()), channels(), ListAnnouncer()
    notify_all(change("OUT_FOR_DELIVERY"), NOW, TRACKING, log, outboxes, announcer)

    late = notify_all(change("CONFIRMED"), NOW, TRACKING, log, outboxes, announcer)

    assert late.sent == []
    assert set(late.skipped.values()) == {Skip.SUPERSEDED}


def test_one_failing_channel_does_not_hold_back_the_others_and_only_it_is_retried():
    outboxes = channels(**{EMAIL: Outbox(failures=1)})
    log, announcer = OrderedLog(recipient()), ListAnnouncer()

    with pytest.raises(DeliveryFailed, match="email"):
        notify_all(change("PREPARING"), NOW, TRACKING, log, outboxes, announcer)
    retried = notify_all(change("PREPARING"), NOW, TRACKING, log, outboxes, announcer)

    assert [sent.channel for sent in retried.sent] == [EMAIL]
    assert [len(outbox.sent) for outbox in outboxes.values()] == [1, 1, 1]
    assert sorted(sent.channel for sent in announcer.announced) == [EMAIL, PUSH, SMS]


def test_a_channel_nobody_can_receive_on_gives_its_claim_back():
    outboxes = channels(**{PUSH: Outbox(reachable=False)})
    log, announcer = OrderedLog(recipient()), ListAnnouncer()

    first = notify_all(change("PREPARING"), NOW, TRACKING, log, outboxes, announcer)
    outboxes[PUSH].reachable = True
    later = notify_all(change("PREPARING"), NOW, TRACKING, log, outboxes, announcer)

    assert first.skipped == {PUSH: Skip.UNREACHABLE}
    assert [sent.channel for sent in later.sent] == [PUSH]


def test_placed_before_order_placed_is_left_to_it_and_a_later_status_waits():
    log, outboxes = OrderedLog(recipient()), channels()
    log.known = recipient().model_copy(update={"order_id": "ord_someoneelseq3kz7mbx2v4n6"})

    placed = notify_all(change("PLACED"), NOW, TRACKING, log, outboxes, ListAnnouncer())
    with pytest.raises(RecipientUnknown):
        notify_all(change("CONFIRMED"), NOW, TRACKING, log, outboxes, ListAnnouncer())

    assert placed.sent == []
    assert set(placed.skipped.values()) == {Skip.LEFT_TO_ORDER_PLACED}
    assert log.state == {}


@pytest.mark.parametrize(
    ("customer", "skipped"),
    [
        (recipient(sms=False), {SMS: Skip.DECLINED}),
        (recipient(email=False, push=False), {EMAIL: Skip.DECLINED, PUSH: Skip.DECLINED}),
        (recipient(phone="+55 11 3333-4444"), {SMS: Skip.NO_ADDRESS}),
        (recipient(phone="não tenho"), {SMS: Skip.NO_ADDRESS}),
    ],
)
def test_channels_the_customer_declined_or_cannot_use_send_nothing(customer, skipped):
    log, outboxes = OrderedLog(customer), channels()

    report = notify_all(change("CONFIRMED"), NOW, TRACKING, log, outboxes, ListAnnouncer())

    assert report.skipped == skipped
    assert all(outboxes[channel].sent == [] for channel in skipped)


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+55 11 98765-4321", "+5511987654321"),
        ("(11) 98765-4321", "+5511987654321"),
        ("11987654321", "+5511987654321"),
        ("+1 212 555 0123", "+12125550123"),
        ("+55 11 3333-4444", None),
        ("12345", None),
    ],
)
def test_mobile_numbers_are_normalised_to_e164_and_landlines_get_no_sms(typed, e164):
    assert contacts.mobile_number(typed) == e164


def test_every_status_climbs_or_ends():
    ranks = [rank(status) for status in ("PLACED", "CONFIRMED", "PREPARING", "OUT_FOR_DELIVERY")]

    assert ranks == sorted(set(ranks))
    assert {rank("REJECTED"), rank("FAILED"), rank("CANCELLED")} == {rank("DELIVERED") + 1}


class Book:
    def __init__(self) -> None:
        self.saved: dict[str, Preferences] = {}

    def preferences(self, customer_id: str) -> Preferences:
        return self.saved.get(customer_id, Preferences())

    def save_preferences(self, customer_id: str, preferences: Preferences) -> None:
        self.saved[customer_id] = preferences


def test_preferences_are_replaced_whole_and_left_out_fields_take_their_default():
    book = Book()
    set_preferences("cus_1", {"sms": False, "push": False}, book)

    saved = set_preferences("cus_1", {"push": False, "time_zone": "America/Manaus"}, book)

    assert saved == Preferences(sms=True, push=False, time_zone="America/Manaus")
    assert book.saved["cus_1"] == saved


@pytest.mark.parametrize(
    ("customer_id", "body", "fields"),
    [
        ("cus_1", {"sms": "yes"}, ["sms"]),
        ("cus_1", {"whatsapp": True}, ["whatsapp"]),
        ("cus_1", {"time_zone": "America/Gotham"}, ["time_zone"]),
        ("cus 1", {}, ["customer_id"]),
        ("cus_1", ["sms"], []),
    ],
)
def test_bad_preferences_name_each_field_and_save_nothing(customer_id, body, fields):
    book = Book()

    with pytest.raises(PreferencesInvalid) as raised:
        set_preferences(customer_id, body, book)

    assert [detail.field for detail in raised.value.details] == fields
    assert book.saved == {}


class Pages:
    def __init__(self) -> None:
        self.open_pages: dict[str, tuple[str, datetime]] = {}

    def open(self, order_id: str, connection_id: str, expires_at: datetime) -> None:
        self.open_pages[connection_id] = (order_id, expires_at)

    def close(self, connection_id: str) -> None:
        self.open_pages.pop(connection_id, None)


def test_a_tracking_page_is_remembered_for_two_hours_and_needs_an_order_id():
    pages = Pages()

    watch(ORDER_ID, "conn-1", NOW, pages)
    with pytest.raises(TrackingRefused):
        watch("ord_../../etc", "conn-2", NOW, pages)

    assert pages.open_pages == {"conn-1": (ORDER_ID, datetime(2025, 3, 14, 14, 0, tzinfo=UTC))}
