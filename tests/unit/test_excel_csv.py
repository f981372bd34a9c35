"""CSV for Excel: a cell that Excel would run as a formula is written as text; amounts stay numbers."""

from __future__ import annotations

import csv
import pathlib

import pytest

from desktop.services.excel_csv import ExcelWriter, safe_cell


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://example.com\",\"x\")", "+81 90", "-cmd", "@SUM(A1)",
                                  "\t=1+1", "\r=1"])
def test_text_that_excel_would_run_is_written_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["山田 花子", "-1200", "+500", "1,200", "", 1200, -300, None, "2026-12-01 14:05"])
def test_names_numbers_and_times_are_written_as_they_are(value: object) -> None:
    assert safe_cell(value) == value


def test_the_file_is_utf8_with_bom_and_crlf_and_reads_back(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "out.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = ExcelWriter(out)
        writer.writerow(["患者名", "伝達事項", "金額"])
        writer.writerows([["山田 花子", "=1+1", -1200]])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with path.open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == [["患者名", "伝達事項", "金額"], ["山田 花子", "'=1+1", "-1200"]]
