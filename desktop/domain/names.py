"""Patient names as staff type them: 姓 名, full-width spaces, hiragana or katakana フリガナ."""

from __future__ import annotations

_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(ord("ぁ"), ord("ゖ") + 1)}


def normalize_name(text: str) -> str:
    """Full-width spaces and runs of spaces become one ASCII space (names are stored ``姓 名``)."""
    return " ".join(text.replace("\u3000", " ").split())


def to_katakana(text: str) -> str:
    """やまだ はなこ → ヤマダ ハナコ (katakana and everything else unchanged)."""
    return normalize_name(text).translate(_HIRAGANA_TO_KATAKANA)
