"""Drop the Babel locale data the contracts layer never formats with, to keep it small.

Entrega speaks Portuguese, English and Spanish; every regional variant of those stays,
with `root`, from which every locale inherits. The rest of CLDR is about 25 MB unzipped.

    python prune_locales.py <site-packages>/babel/locale-data
"""

from __future__ import annotations

import sys
from pathlib import Path

KEPT_LANGUAGES = ("pt", "en", "es")


def prune(locale_data: Path) -> int:
    """Delete every locale file outside KEPT_LANGUAGES; return how many went."""
    removed = 0
    for path in locale_data.glob("*.dat"):
        language = path.stem.split("_")[0]
        if path.stem != "root" and language not in KEPT_LANGUAGES:
            path.unlink()
            removed += 1
    return removed


if __name__ == "__main__":
    print(f"removed {prune(Path(sys.argv[1]))} locale files")
