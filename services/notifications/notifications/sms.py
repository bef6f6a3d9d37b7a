"""How much text an SMS carries, and writing a text so that it fits.

An SMS segment holds 160 GSM-7 characters or 70 UCS-2 ones; a longer text is split into
segments of 153 or 67 (the rest carries the reassembly header), and each is billed. A
single character outside GSM-7 turns the whole text into UCS-2, so before counting,
look-alike punctuation and the accents GSM-7 lacks (ã, ç, á, ê…) are written the GSM-7 way,
as Brazilian carriers' own texts are. Texts that still need UCS-2 (a dish named in another
script) are sent as UCS-2 and counted as such.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Literal

MAX_SEGMENTS = 3
ELLIPSIS = "..."

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters reached through GSM-7's escape: each costs two septets.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
_LOOK_ALIKES = str.maketrans(
    {
        "\u00a0": " ",  # no-break space, as Babel writes "R$ 12,90"
        "\u202f": " ",  # narrow no-break space, as Babel writes "9:35 PM"
        "\u2009": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00d7": "x",
        "\u2022": "-",
    }
)

Encoding = Literal["GSM-7", "UCS-2"]


def encoding(text: str) -> Encoding:
    gsm = all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)
    return "GSM-7" if gsm else "UCS-2"


def _units(text: str, kind: Encoding) -> int:
    if kind == "GSM-7":
        return sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)  # UTF-16 code units


def segments(text: str) -> int:
    """How many SMS segments the text is sent (and billed) as."""
    kind = encoding(text)
    single, multi = (160, 153) if kind == "GSM-7" else (70, 67)
    units = _units(text, kind)
    return 1 if units <= single else math.ceil(units / multi)


def to_gsm7(text: str) -> str:
    """The text with look-alikes and accents GSM-7 lacks replaced; other characters kept."""
    out = []
    for char in text.translate(_LOOK_ALIKES):
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
            continue
        bare = "".join(
            part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
        )
        out.append(bare if bare and encoding(bare) == "GSM-7" else char)
    return "".join(out)


def fit(text: str, max_segments: int = MAX_SEGMENTS) -> str:
    """The text in GSM-7 where it can be, cut at a word and ended with '...' if it is too long."""
    text = to_gsm7(" ".join(text.split()))
    if segments(text) <= max_segments:
        return text
    kind = encoding(text)
    budget = max_segments * (153 if kind == "GSM-7" else 67) - _units(ELLIPSIS, kind)
    used, end = 0, 0
    for index, char in enumerate(text):
        used += _units(char, kind)
        if used > budget:
            break
        end = index + 1
    cut = text[:end]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + ELLIPSIS
