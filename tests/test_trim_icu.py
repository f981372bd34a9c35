"""The Linux build's smaller ICU data (scripts/trim_icu.py): Qt still sorts Japanese, knows Tokyo and
Shift_JIS with it, and the library is a fraction of the wheel's."""

from __future__ import annotations

import os
import pathlib
import shutil
import struct
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from trim_icu import keep, trim_data, trim_icu  # noqa: E402

QT_LIB = pathlib.Path(__import__("PySide6").__file__).parent / "Qt" / "lib"
ICU = sorted(QT_LIB.glob("libicudata.so.*"))

SMOKE = """
import functools
from PySide6.QtCore import QCollator, QDateTime, QLocale, QStringDecoder, QTimeZone
c = QCollator(QLocale(QLocale.Language.Japanese, QLocale.Country.Japan))
print(sorted(["さとう", "いとう", "カトウ", "あおき", "伊藤", "佐藤"], key=functools.cmp_to_key(c.compare)))
tz = QTimeZone(b"Asia/Tokyo")
print(tz.isValid(), tz.displayName(QDateTime(2026, 1, 5, 9, 0, 0), QTimeZone.NameType.LongName,
                                   QLocale(QLocale.Language.Japanese)))
print(QStringDecoder("Shift_JIS").isValid(), QStringDecoder("EUC-JP").isValid(), QStringDecoder("ISO-2022-JP").isValid())
print(QLocale(QLocale.Language.English).toUpper("straße"), QLocale(QLocale.Language.Japanese).toLower("ＡＢＣ"))
"""


def test_only_japanese_english_and_root_locales_stay() -> None:
    assert keep("icudt73l/ja.res") and keep("icudt73l/coll/ja.res") and keep("icudt73l/en_GB.res")
    assert keep("icudt73l/root.res") and keep("icudt73l/zone/root.res") and keep("icudt73l/res_index.res")
    assert keep("icudt73l/supplementalData.res") and keep("icudt73l/coll/ucadata.icu") and keep("icudt73l/pool.res")
    assert keep("icudt73l/ibm-943_P15A-2003.cnv") and keep("icudt73l/cnvalias.icu")
    assert not keep("icudt73l/de.res") and not keep("icudt73l/coll/zh_Hant.res") and not keep("icudt73l/fil.res")
    assert not keep("icudt73l/brkitr/cjdict.dict") and not keep("icudt73l/translit/root.res")
    assert not keep("icudt73l/ibm-1390_P110-2003.cnv") and not keep("icudt73l/gb18030.cnv")


@pytest.mark.skipif(not ICU or not sys.platform.startswith("linux"), reason="PySide6 ships ICU only on Linux")
def test_the_trimmed_data_keeps_its_items_byte_for_byte() -> None:
    lib = ICU[0].read_bytes()
    from trim_icu import _elf_symbol

    found = _elf_symbol(lib)
    assert found is not None and found[0].startswith("icudt")
    data = lib[found[1]:found[1] + found[2]]
    trimmed, kept, total = trim_data(data)
    assert 0 < kept < total and len(trimmed) < len(data) / 4

    def items(blob: bytes) -> dict[str, bytes]:
        header, = struct.unpack_from("<H", blob, 0)
        count, = struct.unpack_from("<I", blob, header)
        toc = [struct.unpack_from("<II", blob, header + 4 + 8 * i) for i in range(count)]
        out = {}
        for i, (name_at, data_at) in enumerate(toc):
            name = blob[header + name_at:blob.index(b"\0", header + name_at)].decode()
            end = toc[i + 1][1] if i + 1 < count else len(blob) - header
            out[name] = blob[header + data_at:header + end]
        return out

    before, after = items(data), items(trimmed)
    assert list(after) == sorted(after) == [n for n in before if keep(n)]  # ICU looks names up by bisection
    for name, item in after.items():
        assert item.rstrip(b"\0") == before[name].rstrip(b"\0"), name
    offsets = [trimmed.index(item) for item in list(after.values())[:50] if item]
    assert all(offset % 16 == 0 for offset in offsets)


@pytest.mark.skipif(not ICU or not sys.platform.startswith("linux"), reason="PySide6 ships ICU only on Linux")
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
def test_qt_sorts_japanese_with_the_trimmed_library(tmp_path: pathlib.Path) -> None:
    made = trim_icu(ICU[0], tmp_path / "icu")
    assert made is not None and made.name == ICU[0].name
    assert made.stat().st_size < ICU[0].stat().st_size / 4

    def smoke(library_path: pathlib.Path | None) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        if library_path is not None:
            env["LD_LIBRARY_PATH"] = str(library_path)  # searched before the Qt libraries' $ORIGIN
        return subprocess.run([sys.executable, "-c", SMOKE], env=env, capture_output=True, text=True, timeout=60)

    full, trimmed = smoke(None), smoke(made.parent)
    assert full.returncode == 0 and trimmed.returncode == 0, trimmed.stderr[-2000:]
    assert trimmed.stdout == full.stdout
    assert trimmed.stdout.splitlines()[0] == "['あおき', 'いとう', 'カトウ', 'さとう', '伊藤', '佐藤']"
    assert trimmed.stdout.splitlines()[1] == "True 日本標準時"
    assert trimmed.stdout.splitlines()[2] == "True True True"
