"""The gettext catalogs: every text has an English translation, and English shows no Japanese."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.pofile import read_po

from desktop import catalogs, i18n
from desktop.domain.billing import BillingState
from desktop.domain.clinic import PaymentMode
from desktop.domain.errors import Phrase, MESSAGES, StateError, UserError, ValidationError, message_for
from desktop.services.mail_types import MailError, MailFailure, mail_error_message
from desktop.services.settings_service import SETTINGS_MESSAGES, SettingsError

EN_PO = catalogs.locale_root() / "en" / "LC_MESSAGES" / "clinicpay.po"
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
PRINTF = re.compile(r"%\((\w+)\)[sd]")


def placeholders(text: str) -> set[str]:
    """``{name}`` / ``{name:,}`` (str.format) and ``%(name)s`` (templates) placeholders."""
    names = {field.split(".")[0].split("[")[0] for _, field, _, _ in Formatter().parse(text) if field}
    return names | set(PRINTF.findall(text))


@pytest.fixture(scope="module")
def english() -> dict[tuple[str | None, str], tuple[str, bool]]:
    with open(EN_PO, "rb") as f:
        catalog = read_po(f)
    return {(m.context, str(m.id)): (str(m.string), m.fuzzy) for m in catalog if m.id}


def test_every_extracted_text_has_an_english_translation(english: dict[tuple[str | None, str], tuple[str, bool]]) -> None:
    extracted = {(m.context, str(m.id)) for m in catalogs.extract() if m.id}
    assert len(extracted) > 250  # mail, checkout pages, errors
    missing = sorted(key[1] for key in extracted - english.keys())
    assert missing == [], "run `python -m desktop.catalogs update` and translate"
    untranslated = sorted(key[1] for key in extracted if not english[key][0] or english[key][1])
    assert untranslated == []
    stale = sorted(key[1] for key in english.keys() - extracted)
    assert stale == [], "texts no longer in the sources"


def test_placeholders_match_between_japanese_and_english(
        english: dict[tuple[str | None, str], tuple[str, bool]]) -> None:
    wrong = [(msgid, msgstr) for (_, msgid), (msgstr, _) in english.items()
             if placeholders(msgid) != placeholders(msgstr)]
    assert wrong == []


def test_no_japanese_in_english_translations(english: dict[tuple[str | None, str], tuple[str, bool]]) -> None:
    assert [s for s, _ in english.values() if JAPANESE.search(s)] == []


def test_placeholders_are_found_in_both_styles() -> None:
    assert placeholders("金額は{min:,}円以上") == {"min"}
    assert placeholders("%(clinic)sです。%(amount)s") == {"clinic", "amount"}
    assert placeholders("Pay %(amount)s") != placeholders("Pay")


def test_compile_writes_a_catalog_gettext_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    po = tmp_path / "resources" / "locale" / "en" / "LC_MESSAGES" / "clinicpay.po"
    po.parent.mkdir(parents=True)
    shutil.copy(EN_PO, po)
    assert catalogs.stale(tmp_path)
    compiled = catalogs.compile_all(tmp_path)
    assert compiled == [po.with_suffix(".mo")] and not catalogs.stale(tmp_path)
    monkeypatch.setattr(i18n, "locale_dir", lambda: str(tmp_path / "resources" / "locale"))
    i18n.reload()
    try:
        assert i18n.gettext("en", "領収書") == "Receipt"
        assert i18n.gettext("ja", "領収書") == "領収書"
        assert i18n.gettext("fr", "領収書") == "領収書"  # no catalog: the Japanese source text
    finally:
        monkeypatch.undo()
        i18n.reload()


SAMPLE_PARAMS = {"amount": 2200, "request_id": 7, "day": "2026-11-02", "char": "?", "codepoint": "U+003F", "min": 50, "max": 9_999_999, "address": "a@b.example", "remaining": "¥500", "label": "宛名",
                 "state": BillingState.PAID, "reason": "card_declined", "mode": PaymentMode.TEST,
                 "prefix": "pk_test_", "minutes": 5, "left": 3, "name": "Sato", "cap": "¥100,000",
                 "action": Phrase("返金", "action"), "needed": Phrase("管理者", "needed"),
                 "charge": "ch_0123", "card": "Visa •••• 4242", "payjp_amount": 2200, "payjp_refunded": 500,
                 "refunded": 0, "at": "2026/11/02 10:00"}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_error_reads_in_english_without_japanese(code: str) -> None:
    error = UserError(code, **SAMPLE_PARAMS)
    assert not JAPANESE.search(error.message("en")), error.message("en")
    assert JAPANESE.search(error.message("ja"))


@pytest.mark.parametrize("code", sorted(SETTINGS_MESSAGES))
def test_every_settings_error_reads_in_english_without_japanese(code: str) -> None:
    params = dict(SAMPLE_PARAMS, label="代表者名", reason=MailError(MailFailure.AUTHENTICATION))
    assert not JAPANESE.search(SettingsError(code, **params).message("en"))


@pytest.mark.parametrize("failure", list(MailFailure))
def test_every_mail_failure_reads_in_english_without_japanese(failure: MailFailure) -> None:
    error = MailError(failure)
    assert not JAPANESE.search(error.message("en")) and JAPANESE.search(error.message("ja"))
    assert mail_error_message(error.code, "en") == error.message("en")


def test_a_labelled_enum_member_is_its_value_and_reads_as_its_label() -> None:
    from desktop.domain.live_check import Step

    assert Step.RECEIPT == "receipt" and Step("receipt") is Step.RECEIPT and f"{Step.RECEIPT}" == "receipt"
    assert Step.RECEIPT.label() == "領収書ページが開けた"
    assert Step.RECEIPT.label("en") == "The receipt page opened"
    assert [step.value for step in Step] == ["page_https", "payjp_js", "tenant", "webhook", "receipt", "refund"]


def test_a_state_passed_as_an_enum_reads_as_its_label() -> None:
    error = StateError("request_not_cancellable", state=BillingState.PAID)
    assert error.message("ja") == "この請求は取り消せません（現在の状態：決済済み）。"
    assert error.message("en") == "This request cannot be cancelled (it is Paid)."
    legacy = StateError("request_not_refundable", state="返金済み")  # a Japanese label from older callers
    assert legacy.message("en") == "This request cannot be refunded (it is Refunded)."


def test_field_labels_and_modes_read_in_the_readers_language() -> None:
    assert ValidationError("field_required", label="クリニック名").message("en") == "The clinic name is required."
    assert ValidationError("field_required", label="クリニック名").message("ja") == "クリニック名を入力してください。"
    assert ValidationError("field_required", label="宛名", label_en="The name").message("en") == "The name is required."
    error = SettingsError("secret_key_required", mode=PaymentMode.LIVE)
    assert error.message("ja") == "本番モードにするには、この端末にシークレットキーを登録してください。"
    assert error.message("en") == "Enter a secret key to switch to live mode on this PC."


def test_unknown_failures_read_as_the_generic_message() -> None:
    assert message_for(RuntimeError("boom"), "en") == "An unexpected error occurred. Please try again."


def test_dates_in_english_come_from_the_catalog() -> None:
    from desktop.domain.formatting import format_jst_date, format_jst_datetime

    moment = dt.datetime(2021, 1, 13, 5, 54, tzinfo=dt.timezone.utc)
    assert format_jst_datetime(moment, "en") == "Wed, 13 Jan 2021 14:54 (JST)"
    assert format_jst_date(moment, "ja") == "2021年1月13日 (水)"


def test_qt_sources_compile_next_to_themselves(tmp_path: Path) -> None:
    from PySide6.QtCore import QTranslator

    ts = tmp_path / "resources" / "translations" / "clinicpay_en.ts"
    ts.parent.mkdir(parents=True)
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n<TS version="2.1" language="en">\n'
                  "<context><name>MainWindow</name><message><source>予約管理</source>"
                  "<translation>Reservations</translation></message></context>\n</TS>\n", encoding="utf-8")
    assert catalogs.compile_all(tmp_path) == [ts.with_suffix(".qm")]
    translator = QTranslator()
    assert translator.load(str(ts.with_suffix(".qm")))
    assert translator.translate("MainWindow", "予約管理") == "Reservations"


def test_a_stored_code_renders_in_the_readers_language() -> None:
    from desktop.domain.errors import message_for_code

    assert message_for_code("card_declined", "en") == "The card was declined. Try another card or contact your card issuer."
    assert message_for_code("payment_failed", "ja", reason="x") == "決済できませんでした（x）。"
    assert message_for_code("no_such_code", "en") == "An unexpected error occurred. Please try again."
