"""How a customer is reached and when they live: a mobile number in E.164, and a time zone.

phonenumbers is imported on first use: its metadata costs tens of milliseconds, which a
handler module should not pay at import.
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo

from notifications.models import Recipient

# The kitchen is in São Paulo: a number that says nothing about its zone reads the kitchen's time.
DEFAULT_TIME_ZONE = "America/Sao_Paulo"
DEFAULT_REGION = "BR"


@functools.lru_cache(maxsize=1024)
def mobile_number(phone: str) -> str | None:
    """The number in E.164 (+5511987654321) if it is a valid mobile, else None.

    A number without a country code is read as Brazilian. Landlines get no SMS.
    """
    import phonenumbers
    from phonenumbers import NumberParseException, PhoneNumberType

    try:
        number = phonenumbers.parse(phone, DEFAULT_REGION)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@functools.lru_cache(maxsize=1024)
def _zone_of_number(phone: str) -> str | None:
    import phonenumbers
    from phonenumbers import NumberParseException, timezone

    try:
        number = phonenumbers.parse(phone, DEFAULT_REGION)
    except NumberParseException:
        return None
    zones = timezone.time_zones_for_number(number)
    # Countries with several zones answer with all of them unless the area code settles it.
    return str(zones[0]) if len(zones) == 1 and zones[0] != timezone.UNKNOWN_TIMEZONE else None


def time_zone(recipient: Recipient) -> ZoneInfo:
    """The zone the customer chose, else the one their phone number belongs to, else São Paulo's."""
    chosen = recipient.preferences.time_zone or _zone_of_number(recipient.phone)
    return ZoneInfo(chosen or DEFAULT_TIME_ZONE)
