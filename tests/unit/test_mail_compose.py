"""The patient mails as a patient's mail program shows them (SCREENS.md §6)."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from desktop import paths
from desktop.domain.billing import TaxCategory
from desktop.domain.formatting import (
    format_jst_date,
    format_jst_datetime,
    format_tax_category,
    format_yen,
    to_jst,
)
from desktop.services.mail_compose import (
    CancellationNotice,
    Clinic,
    Envelope,
    MailComposer,
    Patient,
    PatientMail,
    PaymentRequest,
    Receipt,
    RefundNotice,
    Reservation,
    Sex,
    mail_kind,
    new_message_id,
)
from desktop.services.mail_types import (
    MailFailure,
    PermanentMailError,
    message_from_bytes as load_message,
    message_to_bytes,
)

PAY_URL = "https://pay.sakura-clinic.example.jp/pay/Zx9_tok?lang=ja&v=1"

CLINIC = Clinic(
    name="さくら内科クリニック",
    email="info@sakura-clinic.example.jp",
    phone="03-1234-5678",
    address="東京都千代田区丸の内1-2-3",
)
PATIENT = Patient(
    name="山田 花子",
    email="hanako@example.com",
    sex=Sex.FEMALE,
    phone="090-1234-5678",
    address="東京都港区芝公園4-2-8",
)
RESERVATION = Reservation(
    menu_name="オンライン診療 (事前決済)",
    starts_at=datetime(2021, 1, 13, 5, 54, tzinfo=UTC),  # 14:54 JST
    attachments=("問診票.pdf", "保険証.jpg"),
)
MESSAGE = "金額が確定しましたので、メール内のリンクから決済をお願い致します"
REQUEST = PaymentRequest(
    clinic=CLINIC,
    patient=PATIENT,
    reservation=RESERVATION,
    amount_yen=1200,
    tax_category=TaxCategory.TAXABLE,
    message=MESSAGE,
    payment_url=PAY_URL,
    link_expires_at=datetime(2021, 1, 20, 14, 59, tzinfo=UTC),  # 23:59 JST
)
RECEIPT = Receipt(
    clinic=CLINIC,
    patient=PATIENT,
    reservation=RESERVATION,
    amount_yen=1200,
    tax_category=TaxCategory.TAXABLE,
    paid_at=datetime(2021, 1, 14, 1, 2, tzinfo=UTC),  # 10:02 JST, Thursday
    card_brand="Visa",
    card_last4="4242",
    receipt_url="https://pay.sakura-clinic.example.jp/receipt/r_abc",
)
REFUND = RefundNotice(
    clinic=CLINIC,
    patient=PATIENT,
    reservation=RESERVATION,
    refunded_yen=1000,
    remaining_yen=200,
    refunded_at=datetime(2021, 1, 15, 3, 30, tzinfo=UTC),
)
CANCELLATION = CancellationNotice(
    clinic=CLINIC,
    patient=PATIENT,
    reservation=RESERVATION,
    amount_yen=1200,
    cancelled_at=datetime(2021, 1, 14, 0, 0, tzinfo=UTC),
    message="金額に誤りがあったため取り消しました。",
)
ENVELOPE = Envelope(
    from_address="noreply@sakura-clinic.example.jp",
    message_id="<20210113.req42@sakura-clinic.example.jp>",
    date=datetime(2021, 1, 13, 6, 0, tzinfo=UTC),
)


@pytest.fixture(scope="module")
def composer() -> MailComposer:
    return MailComposer()


def received(message: EmailMessage) -> EmailMessage:
    """The message as a mail program gets it: serialized, then parsed from bytes."""
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")  # canonical CRLF inside base64, as a reader shows it


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")  # canonical CRLF inside base64, as a reader shows it


class _HtmlReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs.extend(value or "" for name, value in attrs if name == "href")

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())


def read_html(html: str) -> _HtmlReader:
    reader = _HtmlReader()
    reader.feed(html)
    reader.close()
    return reader


def assert_in_order(haystack: str, needles: list[str]) -> None:
    position = -1
    for needle in needles:
        found = haystack.find(needle, position + 1)
        assert found > position, f"{needle!r} missing or out of order"
        position = found


SECTION_6_ORDER = [
    "山田 花子 様",
    "さくら内科クリニックです。",
    "ご利用いただき、誠にありがとうございます。",
    MESSAGE,
    "予約情報",
    "予約名", "オンライン診療 (事前決済)",
    "料金 (税込)", "¥1,200 (課税)",
    "予約日時", "2021年1月13日 (水) 14:54",
    "伝達事項", MESSAGE,
    "姓名", "山田 花子",
    "性別", "女性",
    "電話番号", "090-1234-5678",
    "Eメール", "hanako@example.com",
    "住所", "東京都港区芝公園4-2-8",
    "添付ファイル", "問診票.pdf、保険証.jpg",
    "クレジットカード決済URL",
]


# --- payment request (お支払いのお願い) -----------------------------------------------


def test_payment_request_text_lists_section_6_items_in_order(composer: MailComposer) -> None:
    text = text_part(received(composer.compose(REQUEST, ENVELOPE)))
    assert text.startswith("山田 花子 様\n")
    assert_in_order(text, [*SECTION_6_ORDER, PAY_URL, "有効期限: 2021年1月20日 (水) 23:59 まで"])


def test_payment_request_html_lists_section_6_items_in_order(composer: MailComposer) -> None:
    reader = read_html(html_part(received(composer.compose(REQUEST, ENVELOPE))))
    visible = "\n".join(reader.text)
    assert_in_order(visible, [*SECTION_6_ORDER, PAY_URL, "2021年1月20日 (水) 23:59"])


def test_payment_link_is_in_both_parts_and_is_the_html_href(composer: MailComposer) -> None:
    message = received(composer.compose(REQUEST, ENVELOPE))
    assert PAY_URL in text_part(message).splitlines()
    reader = read_html(html_part(message))
    assert reader.hrefs and set(reader.hrefs) == {PAY_URL}
    assert PAY_URL in reader.text


def test_patient_text_cannot_inject_html(composer: MailComposer) -> None:
    evil = replace(
        REQUEST,
        patient=replace(PATIENT, name='<script>alert("x")</script>',
                        address='<img src=x onerror="alert(1)">'),
        message='ご確認ください <a href="https://evil.example">こちら</a>\n2行目',
        reservation=replace(RESERVATION, attachments=("<b>bold</b>.pdf",)),
    )
    message = received(composer.compose(evil, ENVELOPE))
    html = html_part(message)
    reader = read_html(html)
    assert "script" not in reader.tags
    assert "img" not in reader.tags
    assert "b" not in reader.tags
    assert "https://evil.example" not in reader.hrefs
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; 様" in html
    assert '<script>alert("x")</script> 様' in reader.text
    assert "ご確認ください &lt;a href=&#34;https://evil.example&#34;&gt;こちら&lt;/a&gt;<br>\n2行目" in html
    # Plain text shows what the patient typed, unchanged.
    assert text_part(message).startswith('<script>alert("x")</script> 様\n')


def test_headers_decode_to_the_clinic_and_keep_the_callers_message_id(
        composer: MailComposer) -> None:
    message = composer.compose(REQUEST, ENVELOPE)
    raw = message_to_bytes(message)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # RFC 2047 encoded words, no raw UTF-8 in headers
    assert b"=?utf-8?" in head
    parsed = received(message)
    assert parsed["Subject"] == "【さくら内科クリニック】お支払いのお願い"
    assert parsed["From"].addresses[0].display_name == "さくら内科クリニック"
    assert parsed["From"].addresses[0].addr_spec == "noreply@sakura-clinic.example.jp"
    assert parsed["Reply-To"].addresses[0].addr_spec == "info@sakura-clinic.example.jp"
    assert parsed["To"].addresses[0].addr_spec == "hanako@example.com"
    assert parsed["Message-ID"] == "<20210113.req42@sakura-clinic.example.jp>"
    date = parsedate_to_datetime(parsed["Date"])
    assert date == ENVELOPE.date and date.utcoffset() == timedelta(hours=9)


def test_subject_leaks_no_patient_amount_or_menu(composer: MailComposer) -> None:
    for mail in (REQUEST, RECEIPT, REFUND, CANCELLATION):
        for language in ("ja", "en"):
            subject = str(received(composer.compose(mail, ENVELOPE, language))["Subject"])
            assert subject.startswith(("【さくら内科クリニック】", "[さくら内科クリニック]"))
            for secret in ("山田", "花子", "¥", "1,200", "1200", "診療", "事前決済"):
                assert secret not in subject


def test_body_is_utf8_plain_text_first_then_html(composer: MailComposer) -> None:
    message = received(composer.compose(REQUEST, ENVELOPE))
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "base64"
    assert message_to_bytes(message).isascii()  # 7-bit clean for any relay


def test_same_envelope_gives_the_same_message_id_after_storage(composer: MailComposer) -> None:
    first = composer.compose(REQUEST, ENVELOPE)
    again = composer.compose(REQUEST, ENVELOPE)
    assert first["Message-ID"] == again["Message-ID"] == ENVELOPE.message_id
    stored = load_message(message_to_bytes(first))
    assert stored["Message-ID"] == ENVELOPE.message_id
    assert text_part(stored) == text_part(first)


def test_message_id_without_brackets_is_wrapped(composer: MailComposer) -> None:
    envelope = replace(ENVELOPE, message_id="abc.123@clinic.example")
    assert composer.compose(REQUEST, envelope)["Message-ID"] == "<abc.123@clinic.example>"
    with pytest.raises(ValueError):
        composer.compose(REQUEST, replace(ENVELOPE, message_id="no-at-sign"))


def test_new_message_id_is_unique_and_uses_the_domain() -> None:
    first, second = new_message_id("clinic.example"), new_message_id("clinic.example")
    assert first != second
    assert first.startswith("<") and first.endswith("@clinic.example>")


def test_no_reply_to_without_clinic_address(composer: MailComposer) -> None:
    mail = replace(REQUEST, clinic=replace(CLINIC, email=None))
    assert "Reply-To" not in received(composer.compose(mail, ENVELOPE))


def test_line_breaks_in_clinic_name_cannot_add_headers(composer: MailComposer) -> None:
    mail = replace(REQUEST, clinic=replace(CLINIC, name="さくら\r\nBcc: thief@evil.example"))
    message = received(composer.compose(mail, ENVELOPE))
    assert "Bcc" not in message
    assert "thief@evil.example" not in str(message["To"])
    assert "\n" not in str(message["Subject"])


def test_untaxed_amount_and_missing_optional_details(composer: MailComposer) -> None:
    mail = replace(
        REQUEST,
        amount_yen=1234567,
        tax_category=TaxCategory.NON_TAXABLE,
        patient=replace(PATIENT, sex=None, phone=None, address=None),
        reservation=replace(RESERVATION, attachments=()),
    )
    text = text_part(received(composer.compose(mail, ENVELOPE)))
    assert "料金 (税込): ¥1,234,567 (非課税)" in text
    assert "性別: 未登録" in text
    assert "電話番号: 未登録" in text
    assert "添付ファイル: なし" in text


def test_appointment_after_midnight_jst_shows_the_jst_day(composer: MailComposer) -> None:
    late = replace(RESERVATION, starts_at=datetime(2021, 1, 12, 15, 30, tzinfo=UTC))
    text = text_part(received(composer.compose(replace(REQUEST, reservation=late), ENVELOPE)))
    assert "予約日時: 2021年1月13日 (水) 00:30" in text


def test_payment_request_in_english(composer: MailComposer) -> None:
    message = received(composer.compose(REQUEST, ENVELOPE, language="en"))
    assert message["Subject"] == "[さくら内科クリニック] Payment request"
    assert message["Content-Language"] == "en"
    text = text_part(message)
    assert_in_order(text, [
        "Dear 山田 花子,", "This is さくら内科クリニック.", "Thank you", MESSAGE,
        "Reservation: オンライン診療 (事前決済)",
        "Price (tax included): ¥1,200 (taxable)",
        "Date and time: Wed, 13 Jan 2021 14:54 (JST)",
        "Message:", "Name: 山田 花子", "Sex: Female", "Phone:", "E-mail:", "Address:",
        "Attachments: 問診票.pdf, 保険証.jpg",
        "Credit card payment URL", PAY_URL,
        "valid until Wed, 20 Jan 2021 23:59 (JST)",
    ])
    assert '<html lang="en">' in html_part(message)


def test_unknown_language_is_refused(composer: MailComposer) -> None:
    with pytest.raises(ValueError):
        composer.compose(REQUEST, ENVELOPE, language="fr")


def test_payment_link_must_be_http(composer: MailComposer) -> None:
    with pytest.raises(ValueError):
        composer.compose(replace(REQUEST, payment_url="javascript:alert(1)"), ENVELOPE)


@pytest.mark.parametrize("address", ["hanako", "hanako@", "@example.com", "hana ko@example.com",
                                     "山田@example.jp", "hanako@localhost", "a@b@example.com"])
def test_malformed_patient_address_is_a_permanent_mail_error(
        composer: MailComposer, address: str) -> None:
    mail = replace(REQUEST, patient=replace(PATIENT, email=address))
    with pytest.raises(PermanentMailError) as caught:
        composer.compose(mail, ENVELOPE)
    assert caught.value.failure is MailFailure.INVALID_ADDRESS
    assert "メールアドレス" in caught.value.message("ja")


def test_carrier_style_and_japanese_domain_addresses_are_accepted(
        composer: MailComposer) -> None:
    legacy = replace(REQUEST, patient=replace(PATIENT, email="hana..ko.@docomo.ne.jp"))
    assert "docomo.ne.jp" in str(received(composer.compose(legacy, ENVELOPE))["To"])
    idn = replace(REQUEST, patient=replace(PATIENT, email="hanako@例え.jp"))
    assert received(composer.compose(idn, ENVELOPE))["To"].addresses[0].domain == "xn--r8jz45g.jp"


# --- receipt, refund, cancellation -----------------------------------------------------


def test_receipt_shows_amount_time_and_only_the_last_four_digits(
        composer: MailComposer) -> None:
    message = received(composer.compose(RECEIPT, ENVELOPE))
    assert message["Subject"] == "【さくら内科クリニック】領収のお知らせ"
    text = text_part(message)
    assert_in_order(text, [
        "山田 花子 様", "さくら内科クリニックです。",
        "予約名: オンライン診療 (事前決済)",
        "お支払い金額 (税込): ¥1,200 (課税)",
        "お支払い日時: 2021年1月14日 (木) 10:02",
        "Visa **** 4242",
        "領収書", RECEIPT.receipt_url or "",
    ])
    reader = read_html(html_part(message))
    assert RECEIPT.receipt_url in reader.hrefs
    assert any("Visa **** 4242" in chunk for chunk in reader.text)


def test_receipt_without_link_has_no_receipt_section(composer: MailComposer) -> None:
    message = received(composer.compose(replace(RECEIPT, receipt_url=None), ENVELOPE))
    assert "領収書" not in text_part(message)
    assert read_html(html_part(message)).hrefs == []


def test_receipt_refuses_anything_but_four_digits(composer: MailComposer) -> None:
    with pytest.raises(ValueError):
        composer.compose(replace(RECEIPT, card_last4="4242424242424242"), ENVELOPE)


def test_receipt_in_english(composer: MailComposer) -> None:
    message = received(composer.compose(RECEIPT, ENVELOPE, "en"))
    assert message["Subject"] == "[さくら内科クリニック] Payment receipt"
    text = text_part(message)
    assert "Amount paid (tax included): ¥1,200 (taxable)" in text
    assert "Paid at: Thu, 14 Jan 2021 10:02 (JST)" in text


def test_refund_notice_shows_refunded_and_remaining_amounts(composer: MailComposer) -> None:
    message = received(composer.compose(REFUND, ENVELOPE))
    assert message["Subject"] == "【さくら内科クリニック】返金のお知らせ"
    text = text_part(message)
    assert_in_order(text, [
        "山田 花子 様", "返金額: ¥1,000", "返金後のお支払い金額 (税込): ¥200",
        "返金日時: 2021年1月15日 (金) 12:30",
    ])
    visible = "\n".join(read_html(html_part(message)).text)
    assert_in_order(visible, ["返金額", "¥1,000", "¥200", "2021年1月15日 (金) 12:30"])
    english = text_part(received(composer.compose(REFUND, ENVELOPE, "en")))
    assert "Amount refunded: ¥1,000" in english
    assert "Amount paid after the refund (tax included): ¥200" in english


def test_cancellation_notice_says_the_link_no_longer_works(composer: MailComposer) -> None:
    message = received(composer.compose(CANCELLATION, ENVELOPE))
    assert message["Subject"] == "【さくら内科クリニック】請求取消のお知らせ"
    text = text_part(message)
    assert_in_order(text, [
        "山田 花子 様", "お支払いのお願い (¥1,200) を取り消しました。", "無効",
        "金額に誤りがあったため取り消しました。",
        "請求金額 (税込): ¥1,200", "取消日時: 2021年1月14日 (木) 09:00",
    ])
    assert read_html(html_part(message)).hrefs == []
    english = text_part(received(composer.compose(CANCELLATION, ENVELOPE, "en")))
    assert "no longer works" in english and "Cancelled at: Thu, 14 Jan 2021 09:00 (JST)" in english


@pytest.mark.parametrize("mail", [REQUEST, RECEIPT, REFUND, CANCELLATION],
                         ids=lambda m: type(m).__name__)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_mail_renders_completely_with_signature(
        composer: MailComposer, mail: PatientMail, language: str) -> None:
    message = received(composer.compose(mail, ENVELOPE, language))
    text, html = text_part(message), html_part(message)
    for body in (text, html):
        assert "{{" not in body and "{%" not in body
        assert "山田 花子" in body
        assert "TEL: 03-1234-5678" in body
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert f'<html lang="{language}">' in html


def test_mail_kind_matches_the_outbox_kinds() -> None:
    assert [mail_kind(m) for m in (REQUEST, RECEIPT, REFUND, CANCELLATION)] == [
        "payment_request", "receipt", "refund", "cancel"]


def test_sex_parses_stored_values() -> None:
    assert Sex.parse("女性") is Sex.FEMALE
    assert Sex.parse("male") is Sex.MALE
    assert Sex.parse("") is None
    assert Sex.parse(None) is None


def test_mail_templates_can_come_from_another_folder(tmp_path: Path) -> None:
    for name in ("payment_request.ja.txt.j2", "payment_request.ja.html.j2"):
        (tmp_path / name).write_text("{{ patient_name }} / {{ amount }}", encoding="utf-8")
    message = MailComposer(templates_dir=tmp_path).compose(
        replace(REQUEST, patient=replace(PATIENT, name="<i>x</i>")), ENVELOPE)
    assert text_part(received(message)).strip() == "<i>x</i> / ¥1,200"
    assert html_part(received(message)).strip() == "&lt;i&gt;x&lt;/i&gt; / ¥1,200"


# --- formatting used by the mails ------------------------------------------------------


@pytest.mark.parametrize(("amount", "shown"), [
    (0, "¥0"), (1, "¥1"), (999, "¥999"), (1200, "¥1,200"), (1234567, "¥1,234,567"),
    (-500, "-¥500"),
])
def test_format_yen(amount: int, shown: str) -> None:
    assert format_yen(amount) == shown


@pytest.mark.parametrize("amount", [12.5, True, "1200"])
def test_format_yen_refuses_non_integers(amount: object) -> None:
    with pytest.raises(TypeError):
        format_yen(amount)  # type: ignore[arg-type]


def test_format_jst_datetime_in_both_languages() -> None:
    utc = datetime(2021, 1, 13, 5, 54, tzinfo=UTC)
    assert format_jst_datetime(utc) == "2021年1月13日 (水) 14:54"
    assert format_jst_datetime(utc, "en") == "Wed, 13 Jan 2021 14:54 (JST)"
    assert format_jst_date(utc) == "2021年1月13日 (水)"
    assert format_jst_date(utc, "en") == "Wed, 13 Jan 2021"
    assert format_jst_datetime(datetime(2024, 12, 31, 15, 5, tzinfo=UTC)) == \
        "2025年1月1日 (水) 00:05"


def test_jst_conversion_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        to_jst(datetime(2021, 1, 13, 5, 54))
    converted = to_jst(datetime(2021, 1, 13, 5, 54, tzinfo=UTC))
    assert (converted.hour, converted.utcoffset()) == (14, timedelta(hours=9))


def test_format_tax_category() -> None:
    assert format_tax_category(TaxCategory.TAXABLE) == "課税"
    assert format_tax_category(TaxCategory.NON_TAXABLE) == "非課税"
    assert format_tax_category(True, "en") == "taxable"
    assert format_tax_category(TaxCategory.NON_TAXABLE, "en") == "tax-exempt"


# --- resources for the mail templates, from source and frozen ----------------------------


def test_mail_templates_resolve_from_the_source_tree() -> None:
    assert (paths.resource_path("templates", "mail") / "payment_request.txt.j2").is_file()
    assert (paths.resource_path("locale") / "en" / "LC_MESSAGES" / "clinicpay.mo").is_file()


def test_mail_templates_resolve_inside_a_pyinstaller_bundle(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resource_path("templates", "mail") == tmp_path / "resources" / "templates" / "mail"


def test_default_data_dir_is_per_user_and_named_for_the_app(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLINICPAY_DATA_DIR", raising=False)
    assert paths.default_data_dir().name == "ClinicPay"
