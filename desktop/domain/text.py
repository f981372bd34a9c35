"""One normalisation for everything people type: every form (desk and checkout page) and every search.

``normalize_text`` is what forms store and what name searches compare: Unicode NFKC (full-width
letters, digits and symbols become ASCII, half-width katakana becomes full-width, ``ｶﾞ`` becomes
``ガ``), every kind of space (the 全角スペース U+3000 included) one ASCII space, no space at either end.
CJK compatibility ideographs (U+F900–U+FAFF, U+2F800–U+2FA1F, e.g. 神 U+FA19 in a family name)
are kept as typed: NFKC would replace them with another code point, and a person's name is spelt
the way its owner writes it.

``tidy_text`` is for text that is printed, not searched (a receipt's addressee, 但し書き): spaces
tidied the same way, every character kept as typed, so 「（自費）」 stays full-width.

``fold_kana`` is the key of kana fields (セイ, メイ, フリガナ) and of kana searches: ``normalize_text``
and then hiragana as katakana, so ``ﾀｶﾊｼ``, ``たかはし`` and ``タカハシ`` all give ``タカハシ``.
Stored keys and typed queries go through the same function, so they always compare alike.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from desktop.domain.errors import ValidationError

_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(ord("ぁ"), ord("ゖ") + 1)}
_HIRAGANA_TO_KATAKANA.update({ord("ゝ"): ord("ヽ"), ord("ゞ"): ord("ヾ")})
_COMPAT_IDEOGRAPH = re.compile("([\uf900-\ufaff\U0002f800-\U0002fa1f]+)")
# Dashes a Japanese IME types for "-" (長音符 ー, full-width hyphen-minus, minus sign …).
DASHES = "ー－―‐‑–—−ｰ"
_DASHES_TO_HYPHEN = str.maketrans({c: "-" for c in DASHES})


def _without_controls(text: str) -> str:
    """``text`` without control characters (NUL, ESC, DEL …); tabs and line breaks count as spaces."""
    return "".join(ch if ch.isspace() or unicodedata.category(ch) != "Cc" else "" for ch in text)


def nfkc(text: str) -> str:
    """NFKC of ``text``, CJK compatibility ideographs left as typed."""
    parts = _COMPAT_IDEOGRAPH.split(text)
    # split() with a group: the odd items are the kept ideographs.
    return "".join(part if i % 2 else unicodedata.normalize("NFKC", part) for i, part in enumerate(parts))


def normalize_text(value: object) -> str:
    """What a form stores and a search compares: NFKC, spaces tidied (``"　高橋　 花子 "`` → ``"高橋 花子"``).

    ``None`` is ``""``; anything else is ``str(value)`` first. Control characters (a NUL pasted
    from another program) are dropped: nobody can see or type them.
    """
    if value is None:
        return ""
    return " ".join(_without_controls(nfkc(str(value))).split())


def tidy_text(value: object) -> str:
    """Display text as typed (full-width punctuation kept: 「（自費）」), spaces tidied as in ``normalize_text``.

    For what is printed rather than searched: a receipt's addressee, a menu's 但し書き.
    """
    if value is None:
        return ""
    return " ".join(_without_controls(str(value)).split())


def fold_kana(value: object) -> str:
    """The key of a kana field or kana search: ``normalize_text`` with hiragana as katakana.

    ``"ﾀｶﾊｼ"``, ``"たかはし"`` and ``"タカハシ"`` all give ``"タカハシ"``; other characters are unchanged.
    """
    return normalize_text(value).translate(_HIRAGANA_TO_KATAKANA)


def normalize_digits(value: object) -> str:
    """A number typed with an IME: NFKC, IME dashes as ``-``, spaces removed at the ends.

    ``"０９０－１２３４－５６７８"`` → ``"090-1234-5678"``.
    """
    return normalize_text(value).translate(_DASHES_TO_HYPHEN)


def like_pattern(word: str) -> str:
    """``%word%`` for SQL ``LIKE … ESCAPE '\\'``, with ``%``, ``_`` and ``\\`` in ``word`` matched literally."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_words(value: object) -> list[str]:
    """The words of a search box, each normalised (an empty box gives ``[]``)."""
    text = normalize_text(value)
    return text.split(" ") if text else []


_CLOCK = re.compile(r"(?P<h>\d{1,2})(?:[:：時.](?P<m>\d{1,2})?分?)?")
_CLOCK_DIGITS = re.compile(r"(?P<h>\d{1,2})(?P<m>\d{2})")


def read_clock_time(raw: object, *, field: str = "time") -> dt.time:
    """A time of day as staff type it, in JST wall-clock time (no date, no zone).

    Accepts ``"16:30"``, ``"１６：３０"``, ``"16時30分"``, ``"16時"``, ``"16.30"``, ``"1630"``,
    ``"930"`` and ``"16"`` (whole hour); spaces are ignored.

    Raises:
        ValidationError: ``time_invalid`` (``field`` names the input) for anything else, or an hour
            above 23 or minutes above 59.
    """
    text = normalize_text(raw).replace(" ", "")
    found = _CLOCK.fullmatch(text) or _CLOCK_DIGITS.fullmatch(text)
    if found is None:
        raise ValidationError("time_invalid", field=field)
    hour, minute = int(found["h"]), int(found["m"] or 0)
    if hour > 23 or minute > 59:
        raise ValidationError("time_invalid", field=field)
    return dt.time(hour, minute)
