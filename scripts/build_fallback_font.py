"""Make resources/fonts/NotoSansCJKjp-Fallback.otf: the receipt's second font.

BIZ UDPGothic (the main font) has no glyph for most characters outside the BMP (CJK Extension B
and later, e.g. 𠮷 U+20BB7) nor for many BMP ideographs outside JIS. This subset of Noto Sans CJK JP
(SIL OFL 1.1, Debian package fonts-noto-cjk) holds exactly the characters Noto has and BIZ UDPGothic
lacks, so fpdf2 can fall back to it character by character.

Run: ``.venv/bin/python scripts/build_fallback_font.py`` (needs ``apt-get install fonts-noto-cjk``).
"""

from __future__ import annotations

import pathlib

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

SOURCE = pathlib.Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
ROOT = pathlib.Path(__file__).resolve().parent.parent
MAIN = ROOT / "resources" / "fonts" / "BIZUDPGothic-Regular.ttf"
TARGET = ROOT / "resources" / "fonts" / "NotoSansCJKjp-Fallback.otf"


def main() -> None:
    main_cmap = set(TTFont(MAIN).getBestCmap())
    collection = TTCollection(SOURCE)
    noto = next(f for f in collection.fonts if f["name"].getDebugName(4) == "Noto Sans CJK JP")
    wanted = sorted(set(noto.getBestCmap()) - main_cmap)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(noto)
    noto.save(TARGET)
    print(f"{TARGET.name}: {len(wanted)} characters, {TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main()
