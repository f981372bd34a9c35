"""Display formatting of money and times for patients and staff (pure functions).

Times are stored in UTC and shown in Japan Standard Time. JST is a fixed UTC+9 offset
(no daylight saving since 1951), so a fixed ``timezone`` is used instead of
``zoneinfo.ZoneInfo("Asia/Tokyo")``, which needs the ``tzdata`` package on Windows.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Literal

from desktop.domain.billing import TaxCategory

Language = Literal["ja", "en"]
LANGUAGES: tuple[Language, ...] = ("ja", "en")

JST = timezone(timedelta(hours=9), "JST")

_WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def check_language(language: str) -> Language:
    """Return ``language`` if it is a supported language code, else raise ``ValueError``."""
    if language == "ja":
        return "ja"
    if language == "en":
        return "en"
    raise ValueError(f"unsupported language: {language!r} (expected 'ja' or 'en')")


def format_yen(amount: int) -> str:
    """Whole yen with a yen sign and thousands separators: ``format_yen(1200) == "¥1,200"``."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"yen amounts are whole numbers, got {amount!r}")
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,}"


def to_jst(dt: datetime) -> datetime:
    """Convert an aware datetime to JST; naive datetimes are rejected as ambiguous."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC in storage)")
    return dt.astimezone(JST)


def format_jst_datetime(dt: datetime, lang: str = "ja") -> str:
    """``2021年1月13日 (水) 14:54`` in Japanese, ``Wed, 13 Jan 2021 14:54 (JST)`` in English.

    Names come from fixed tables, not ``strftime``, so the OS locale never changes the text.
    """
    local = to_jst(dt)
    time = f"{local.hour:02d}:{local.minute:02d}"
    if check_language(lang) == "ja":
        return f"{format_jst_date(dt, 'ja')} {time}"
    return f"{format_jst_date(dt, 'en')} {time} (JST)"


def format_jst_date(dt: datetime, lang: str = "ja") -> str:
    """``2021年1月13日 (水)`` in Japanese, ``Wed, 13 Jan 2021`` in English."""
    local = to_jst(dt)
    weekday = local.weekday()
    if check_language(lang) == "ja":
        return f"{local.year}年{local.month}月{local.day}日 ({_WEEKDAYS_JA[weekday]})"
    return f"{_WEEKDAYS_EN[weekday]}, {local.day} {_MONTHS_EN[local.month - 1]} {local.year}"


def format_tax_category(category: TaxCategory | bool, lang: str = "ja") -> str:
    """課税 / 非課税 (``taxable`` / ``tax-exempt`` in English); ``True`` means taxable."""
    taxable = category is True or category == TaxCategory.TAXABLE
    if check_language(lang) == "ja":
        return "課税" if taxable else "非課税"
    return "taxable" if taxable else "tax-exempt"
