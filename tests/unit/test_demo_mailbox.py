"""The demo mailbox: patient mails kept in a local Maildir, listed and opened like a mail app."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from desktop.domain.billing import TaxCategory
from desktop.services.demo_mailbox import DemoMailbox, extract_content
from desktop.services.mail_compose import (
    Clinic,
    Envelope,
    MailComposer,
    Patient,
    PaymentRequest,
    Receipt,
    Reservation,
)
from desktop.services.mail_types import (
    MailFailure,
    MailTransport,
    PermanentMailError,
    TemporaryMailError,
)

PAY_URL = "https://pay.clinic.example.jp/pay/tok_Zx9?a=1&b=2"
CLINIC = Clinic(name="さくら内科クリニック", email="info@clinic.example.jp")
RESERVATION = Reservation("オンライン診療", datetime(2021, 1, 13, 5, 54, tzinfo=UTC))
COMPOSER = MailComposer()


def payment_request(patient_name: str = "山田 花子", sent: datetime | None = None,
                    message_id: str = "<req-1@clinic.example.jp>") -> EmailMessage:
    mail = PaymentRequest(
        clinic=CLINIC,
        patient=Patient(name=patient_name, email="hanako@example.com"),
        reservation=RESERVATION,
        amount_yen=1200,
        tax_category=TaxCategory.TAXABLE,
        message="金額が確定しましたので、メール内のリンクから決済をお願い致します",
        payment_url=PAY_URL,
        link_expires_at=datetime(2021, 1, 20, 5, 54, tzinfo=UTC),
    )
    envelope = Envelope("noreply@clinic.example.jp", message_id,
                        sent or datetime(2021, 1, 13, 6, 0, tzinfo=UTC))
    return COMPOSER.compose(mail, envelope)


@pytest.fixture
def demo_mailbox(tmp_path: Path) -> DemoMailbox:
    return DemoMailbox.in_data_dir(tmp_path)


def test_mailbox_lives_in_the_data_directory_as_a_maildir(tmp_path: Path) -> None:
    box = DemoMailbox.in_data_dir(tmp_path)
    assert box.directory == tmp_path / "demo-mailbox"
    assert {p.name for p in box.directory.iterdir()} >= {"cur", "new", "tmp"}


def test_sent_mail_reads_back_as_the_patient_gets_it(demo_mailbox: DemoMailbox) -> None:
    transport: MailTransport = demo_mailbox
    transport.send(payment_request())
    [summary] = demo_mailbox.list_messages()
    assert summary.subject == "【さくら内科クリニック】お支払いのお願い"
    assert "hanako@example.com" in summary.to
    assert summary.date == datetime(2021, 1, 13, 6, 0, tzinfo=UTC)
    message = demo_mailbox.get(summary.key)
    assert message["From"].addresses[0].display_name == "さくら内科クリニック"
    assert message["Message-ID"] == "<req-1@clinic.example.jp>"
    content = extract_content(message)
    assert content.first_link == PAY_URL
    assert content.text is not None and content.text.startswith("山田 花子 様\n")
    assert content.html is not None and 'href="https://pay.clinic.example.jp/pay/tok_Zx9?a=1&amp;b=2"' in content.html


def test_mails_are_files_in_new_with_plain_line_ends(demo_mailbox: DemoMailbox) -> None:
    demo_mailbox.send(payment_request())
    [stored] = list((demo_mailbox.directory / "new").iterdir())
    data = stored.read_bytes()
    assert b"Message-ID: <req-1@clinic.example.jp>" in data
    assert b"\r\r\n" not in data


def test_list_is_newest_first(demo_mailbox: DemoMailbox) -> None:
    base = datetime(2021, 1, 13, 6, 0, tzinfo=UTC)
    for offset, name in [(1, "二番目"), (0, "一番目"), (2, "三番目")]:
        demo_mailbox.send(payment_request(name, base + timedelta(minutes=offset),
                                          f"<req-{offset}@clinic.example.jp>"))
    summaries = demo_mailbox.list_messages()
    assert [s.date - base for s in summaries] == [timedelta(minutes=m) for m in (2, 1, 0)]
    assert extract_content(demo_mailbox.get(summaries[0].key)).text.startswith("三番目 様")  # type: ignore[union-attr]


def test_mails_survive_a_restart(tmp_path: Path) -> None:
    DemoMailbox.in_data_dir(tmp_path).send(payment_request())
    reopened = DemoMailbox.in_data_dir(tmp_path)
    assert len(reopened) == 1
    assert reopened.list_messages()[0].subject.endswith("お支払いのお願い")


def test_delete_and_clear(demo_mailbox: DemoMailbox) -> None:
    for n in range(3):
        demo_mailbox.send(payment_request(message_id=f"<m{n}@clinic.example.jp>"))
    first = demo_mailbox.list_messages()[0].key
    demo_mailbox.delete(first)
    assert len(demo_mailbox) == 2
    with pytest.raises(KeyError):
        demo_mailbox.get(first)
    demo_mailbox.clear()
    assert demo_mailbox.list_messages() == []


def test_mail_without_recipient_is_refused(demo_mailbox: DemoMailbox) -> None:
    message = payment_request()
    del message["To"]
    with pytest.raises(PermanentMailError) as caught:
        demo_mailbox.send(message)
    assert caught.value.failure is MailFailure.INVALID_ADDRESS
    assert len(demo_mailbox) == 0


def test_unwritable_mailbox_is_a_temporary_error(demo_mailbox: DemoMailbox) -> None:
    shutil.rmtree(demo_mailbox.directory / "tmp")
    (demo_mailbox.directory / "tmp").write_text("not a folder")
    with pytest.raises(TemporaryMailError) as caught:
        demo_mailbox.send(payment_request())
    assert caught.value.failure is MailFailure.MAILBOX_ERROR
    assert "デモ用メールボックス" in caught.value.message("ja")


def test_sends_from_several_threads_all_arrive(demo_mailbox: DemoMailbox) -> None:
    def send_five(thread: int) -> None:
        for n in range(5):
            demo_mailbox.send(payment_request(message_id=f"<t{thread}n{n}@clinic.example.jp>"))

    threads = [threading.Thread(target=send_five, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    reader_saw = [len(demo_mailbox.list_messages()) for _ in range(5)]
    for thread in threads:
        thread.join()
    ids = {str(demo_mailbox.get(s.key)["Message-ID"]) for s in demo_mailbox.list_messages()}
    assert len(ids) == 20
    assert all(0 <= seen <= 20 for seen in reader_saw)


def test_first_link_of_a_receipt_is_the_receipt_link(demo_mailbox: DemoMailbox) -> None:
    receipt = Receipt(CLINIC, Patient("山田 花子", "hanako@example.com"), RESERVATION, 1200,
                      TaxCategory.TAXABLE, datetime(2021, 1, 14, 1, 0, tzinfo=UTC), "JCB", "0005",
                      receipt_url="https://pay.clinic.example.jp/receipt/r_1")
    demo_mailbox.send(COMPOSER.compose(receipt, Envelope("noreply@clinic.example.jp",
                                                         "<r1@clinic.example.jp>",
                                                         datetime.now(UTC))))
    content = extract_content(demo_mailbox.get(demo_mailbox.list_messages()[0].key))
    assert content.first_link == "https://pay.clinic.example.jp/receipt/r_1"
    assert content.text is not None and "JCB **** 0005" in content.text


def test_link_comes_from_the_html_when_the_text_has_none() -> None:
    message = EmailMessage()
    message["To"] = "hanako@example.com"
    message.set_content("リンクはHTML版をご覧ください。")
    message.add_alternative('<p><a href="mailto:x@example.com">mail</a> '
                            '<a href="https://pay.example.jp/p/1">支払う</a></p>', subtype="html")
    content = extract_content(message)
    assert content.first_link == "https://pay.example.jp/p/1"


def test_no_link_and_no_html() -> None:
    message = EmailMessage()
    message.set_content("ご来院ありがとうございました。")
    content = extract_content(message)
    assert (content.html, content.first_link) == (None, None)
    assert content.text == "ご来院ありがとうございました。\n"
