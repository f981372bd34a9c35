"""Patient names as staff type them: 姓 名, full-width spaces, hiragana or katakana フリガナ.

Both functions are ``desktop.domain.text``'s, so a stored name and a typed search compare alike.
"""

from __future__ import annotations

from .text import fold_kana, normalize_text


def normalize_name(text: str) -> str:
    """NFKC with spaces tidied (names are stored ``姓 名``; ``ﾀｶﾊｼ`` becomes ``タカハシ``)."""
    return normalize_text(text)


def to_katakana(text: str) -> str:
    """やまだ はなこ → ヤマダ ハナコ, ﾔﾏﾀﾞ → ヤマダ (katakana and everything else unchanged)."""
    return fold_kana(text)
