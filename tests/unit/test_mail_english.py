"""Every patient mail in English shows no Japanese, except the patient's and the clinic's own data."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from dataclasses import replace

import pytest

from desktop.services.mail_compose import CardRemovedNotice, MailComposer, PatientMail, PaymentReminder, Sex
from tests.unit.test_mail_compose import (
    CANCELLATION, CLINIC, ENVELOPE, MESSAGE, PATIENT, RECEIPT, REFUND, REQUEST, RESERVATION, html_part, received,
    text_part,
)

CARD_REMOVED = CardRemovedNotice(clinic=CLINIC, patient=PATIENT, card="VISA •••• 4242",
                                 removed_at=dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.timezone.utc))
REMINDER = PaymentReminder(clinic=CLINIC, patient=PATIENT, reservation=RESERVATION, amount_yen=1200,
                           tax_category=REQUEST.tax_category, payment_url=REQUEST.payment_url,
                           link_expires_at=REQUEST.link_expires_at)
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
DATA = (CLINIC.name, CLINIC.address or "", PATIENT.name, PATIENT.address or "", RESERVATION.menu_name, MESSAGE,
        CANCELLATION.message, *RESERVATION.attachments)


def japanese_left(text: str) -> list[str]:
    for value in DATA:
        text = text.replace(value, " ")
    return [line.strip() for line in text.splitlines() if JAPANESE.search(line)]


@pytest.mark.parametrize("mail", [REQUEST, REMINDER, RECEIPT, REFUND, CANCELLATION, CARD_REMOVED,
                                  replace(REQUEST, patient=replace(PATIENT, sex=None, phone=None, address=None),
                                          reservation=replace(RESERVATION, attachments=())),
                                  replace(REQUEST, patient=replace(PATIENT, sex=Sex.OTHER))],
                         ids=["request", "reminder", "receipt", "refund", "cancellation", "card-removed", "request-unknowns",
                              "request-other"])
def test_english_mail_has_no_japanese_but_the_data(mail: PatientMail) -> None:
    message = received(MailComposer().compose(mail, ENVELOPE, "en"))
    assert japanese_left(str(message["Subject"])) == []
    assert japanese_left(text_part(message)) == []
    html = re.sub(r"<[^>]+>", " ", html_part(message))
    assert japanese_left(html.replace("&#39;", "'")) == []
    assert text_part(message).startswith(f"Dear {PATIENT.name},\n")


def test_japanese_mail_keeps_its_words() -> None:
    text = text_part(received(MailComposer().compose(RECEIPT, ENVELOPE, "ja")))
    assert "お支払い方法: クレジットカード 一括払い (Visa **** 4242)" in text
    assert text.startswith(f"{PATIENT.name} 様\n\n{CLINIC.name}です。\n")


def test_the_reminder_carries_its_link_and_the_expiry() -> None:
    for lang, expires in (("ja", "有効期限"), ("en", "expires")):
        message = received(MailComposer().compose(REMINDER, ENVELOPE, lang))
        text = text_part(message)
        assert REMINDER.payment_url in text and REMINDER.payment_url in html_lib.unescape(html_part(message))
        assert expires in text.lower() or expires in text
