"""The English catalogue of the widgets (resources/translations/clinicpay_en.ts) and its loading.

Every string ``pyside6-lupdate`` extracts from desktop/ui must have a finished English translation
in the repository's ``.ts`` (and the ``.ts`` must hold nothing the code no longer uses); the
translations keep the ``{placeholders}`` of their source. At run time English comes from the
compiled catalogue and Japanese standard buttons from Qt's own ``qtbase_ja``.
"""

from __future__ import annotations

import pathlib
import re
import string
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from babel.messages.pofile import read_po
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from desktop.domain.billing import BillingState
from desktop.domain.clinic import PaymentMode, PaymentTiming, ReservationStatus, ReviewStatus
from desktop.paths import resource_path
from desktop.ui import i18n

from .test_english import JAPANESE

UI_DIR = pathlib.Path(i18n.__file__).parent
REPO_TS = i18n.translations_dir() / f"{i18n.CATALOG}_en.ts"


def _messages(ts: pathlib.Path) -> dict[tuple[str, str], ET.Element]:
    out: dict[tuple[str, str], ET.Element] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            out[(name, message.findtext("source") or "")] = message
    return out


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], ET.Element]:
    """What pyside6-lupdate finds in desktop/ui today (into an empty catalogue)."""
    ts = tmp_path_factory.mktemp("lupdate") / "extracted_en.ts"
    sources = sorted(str(p) for p in UI_DIR.rglob("*.py"))
    lupdate = pathlib.Path(sys.executable).with_name("pyside6-lupdate")
    subprocess.run([str(lupdate), *sources, "-ts", str(ts), "-source-language", "ja", "-target-language", "en",
                    "-locations", "none", "-silent"], check=True)
    found = _messages(ts)
    assert len(found) > 300  # the extraction saw the UI (and not an empty folder)
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_ui_string_has_a_finished_english_translation(extracted: dict[tuple[str, str], ET.Element]) -> None:
    repo = _messages(REPO_TS)
    missing = sorted(key for key in extracted if key not in repo)
    assert not missing, f"run pyside6-lupdate and translate: {missing}"
    unfinished = sorted(key for key in extracted
                        if not (repo[key].findtext("translation") or "").strip()
                        or repo[key].find("translation").get("type") in ("unfinished", "vanished", "obsolete"))
    assert not unfinished, unfinished
    stale = sorted(key for key in repo if key not in extracted)
    assert not stale, f"no longer in the code: {stale}"


def test_translations_are_english_and_keep_their_placeholders() -> None:
    for (context, source), message in _messages(REPO_TS).items():
        text = message.findtext("translation") or ""
        assert not JAPANESE.search(text), (context, source, text)
        assert _fields(text) == _fields(source), (context, source, text)


@pytest.fixture
def english(qapp: Any) -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("ja")


def test_labels_of_states_follow_the_language(english: None) -> None:
    assert i18n.state_label(BillingState.PAID) == "Paid"
    assert i18n.state_label(None) == "Not billed"
    assert i18n.reservation_status_label(ReservationStatus.VISITED) == "Visited"
    assert i18n.timing_label(PaymentTiming.PRE_AND_POST) == "Pre- and post-payment"
    assert i18n.mode_label(PaymentMode.TEST) == "Test mode"
    assert i18n.review_label(ReviewStatus.IN_REVIEW) == "In review"
    assert i18n.sex_label("女性") == "Female"
    assert all(not JAPANESE.search(label) for label in i18n.state_labels().values())
    i18n.set_language("ja")
    assert i18n.state_label(BillingState.PAID) == "決済済み"
    assert i18n.state_labels()[BillingState.PARTIALLY_REFUNDED] == "一部返金済み"
    assert i18n.reservation_status_label(ReservationStatus.VISITED) == "来院済み"
    assert i18n.sex_label("女性") == "女性"


def test_standard_buttons_are_japanese_in_the_japanese_ui(qtbot: Any, english: None) -> None:
    i18n.set_language("ja")
    box = QMessageBox(QMessageBox.Icon.Question, "t", "x", QMessageBox.StandardButton.Ok
                      | QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "キャンセル"
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Yes | QDialogButtonBox.StandardButton.No)
    qtbot.addWidget(buttons)
    assert buttons.button(QDialogButtonBox.StandardButton.Yes).text().startswith("はい")

    i18n.set_language("en")
    box = QMessageBox(QMessageBox.Icon.Question, "t", "x", QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "Cancel"


CARD_ON_FILE = re.compile(r"保存(済み|された)?の?カード|カード(を)?保存")  # SCREENS.md says 登録済みカード
OTHER_ENGLISH_CARD = re.compile(r"registered card|card on file|stored card", re.I)  # English says "saved card"
WHO_MAY = re.compile(r"\(((?:reception|manager)[^()]*only)\)", re.I)


def test_one_word_for_a_saved_card_and_for_who_may_act() -> None:
    """The card kept for later payments is 登録済みカード / "saved card" on every screen, message, mail and
    page; the menu items of staff who may not act say who may in one English form."""
    with open(resource_path("locale", "en", "LC_MESSAGES", "clinicpay.po"), "rb") as f:
        po = [(str(m.id), str(m.string)) for m in read_po(f) if m.id]
    ts = [(source, message.findtext("translation") or "") for (_, source), message in _messages(REPO_TS).items()]
    for source, english in po + ts:
        assert not CARD_ON_FILE.search(source), source
        assert not OTHER_ENGLISH_CARD.search(english), english
    forms = {found.lower() for _, english in ts for found in WHO_MAY.findall(english)}
    assert forms == {"managers only", "reception and managers only"}, forms
