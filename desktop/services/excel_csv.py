"""CSV that Excel on Japanese Windows opens as the clinic expects, and never runs as a formula.

Files are UTF-8 with a BOM (Excel otherwise reads Shift_JIS) and CRLF line ends. A text cell that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be taken by Excel as a
formula (CSV injection: OWASP, "CSV Injection"); such a cell is written with a leading apostrophe,
which Excel shows as text. Numbers, and text that is a plain number such as ``-1200``, are written
as they are, so amounts stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as Excel should show it: a text that would start a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class ExcelWriter:
    """``csv.writer`` over ``out`` (opened with ``encoding="utf-8-sig", newline=""``), CRLF, every cell
    passed through ``safe_cell``."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
