"""Display formatting of money and times for patients and staff (pure functions).

Times are stored in UTC and shown in Japan Standard Time. JST is a fixed UTC+9 offset
(no daylight saving since 1951), so a fixed ``timezone`` is used instead of
``zoneinfo.ZoneInfo("Asia/Tokyo")``, which needs the ``tzdata`` package on Windows.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Literal

from desktop.domain.billing import TaxCategory
from desktop.i18n import N_, NP_, gettext, pgettext_pair

Language = Literal["ja", "en"]
LANGUAGES: tuple[Language, ...] = ("ja", "en")

JST = timezone(timedelta(hours=9), "JST")

# Weekday and month names are catalog entries, so no OS locale ever changes the text.
_WEEKDAYS = (NP_("weekday", "月"), NP_("weekday", "火"), NP_("weekday", "水"), NP_("weekday", "木"),
             NP_("weekday", "金"), NP_("weekday", "土"), NP_("weekday", "日"))
# TRANSLATORS: the month inside a date; Japanese writes the number, English the short name.
_MONTHS = (NP_("month", "1"), NP_("month", "2"), NP_("month", "3"), NP_("month", "4"),
           NP_("month", "5"), NP_("month", "6"), NP_("month", "7"), NP_("month", "8"),
           NP_("month", "9"), NP_("month", "10"), NP_("month", "11"), NP_("month", "12"))
# TRANSLATORS: the tax category shown with an amount ("¥1,200 (taxable)").
_TAXABLE = NP_("tax", "課税")
_TAX_EXEMPT = NP_("tax", "非課税")
_DATE = N_("{year}年{month}月{day}日 ({weekday})")
# TRANSLATORS: a date and a time of day in Japan Standard Time.
_DATETIME = N_("{date} {time}")


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

    Raises ``ValueError`` for a naive ``dt`` or an unsupported language.
    """
    local = to_jst(dt)
    time = f"{local.hour:02d}:{local.minute:02d}"
    return gettext(check_language(lang), _DATETIME).format(date=format_jst_date(dt, lang), time=time)


def format_jst_date(dt: datetime, lang: str = "ja") -> str:
    """``2021年1月13日 (水)`` in Japanese, ``Wed, 13 Jan 2021`` in English."""
    local = to_jst(dt)
    language = check_language(lang)
    return gettext(language, _DATE).format(
        year=local.year, month=pgettext_pair(language, _MONTHS[local.month - 1]), day=local.day,
        weekday=pgettext_pair(language, _WEEKDAYS[local.weekday()]))


def format_tax_category(category: TaxCategory | bool, lang: str = "ja") -> str:
    """課税 / 非課税 (``taxable`` / ``tax-exempt`` in English); ``True`` means taxable."""
    taxable = category is True or category == TaxCategory.TAXABLE
    return pgettext_pair(check_language(lang), _TAXABLE if taxable else _TAX_EXEMPT)
