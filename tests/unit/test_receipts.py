"""ReceiptService over a real database: what a receipt says, issuing and reissuing it, its PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.errors import ValidationError
from desktop.services import links
from desktop.services.checkout.texts import translator
from desktop.services.receipts import MAX_ADDRESSEE, NotPaidError, ReceiptService, UnknownLinkError
from desktop.storage.orm import AuditEvent, BillingRequest
from desktop.storage.unit_of_work import Database
from tests.integration.seed import seed_front_desk

PAID_AT = dt.datetime(2026, 11, 2, 6, 30, tzinfo=dt.timezone.utc)  # 15:30 JST


def _request(db: Database, state: BillingState, tax: TaxCategory = TaxCategory.TAXABLE) -> tuple[int, str]:
    front = seed_front_desk(db)
    raw, token_hash = links.new_link_token()
    with db.uow() as uow:
        req = BillingRequest(
            clinic_id=front.clinic_id, reservation_id=front.reservation_id, patient_id=front.patient_id,
            staff_id=front.staff_id, amount=1200, tax_category=tax, state=state, patient_name="山田 花子",
            menu_name="オンライン診療 (後決済)", link_token_hash=token_hash, requested_at=PAID_AT,
            paid_at=PAID_AT if state is BillingState.PAID else None, charge_id="ch_receipt",
            card_brand="Visa", card_last4="4242",
        )
        uow.session.add(req)
        uow.commit()
        return req.id, raw


def _issued_events(db: Database, request_id: int) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "receipt_issued", AuditEvent.entity_id == str(request_id))) or 0


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def receipts(db: Database) -> ReceiptService:
    return ReceiptService(db, translator)


def test_unknown_and_malformed_links_have_no_receipt(receipts: ReceiptService) -> None:
    raw, _hash = links.new_link_token()
    for token in (raw, "short", "../../etc"):
        with pytest.raises(UnknownLinkError):
            receipts.load(token)
        with pytest.raises(UnknownLinkError):
            receipts.issue(token, "山田 花子")


def test_unpaid_link_has_no_receipt_and_issue_changes_nothing(db: Database, receipts: ReceiptService) -> None:
    request_id, raw = _request(db, BillingState.REQUESTED)
    with pytest.raises(NotPaidError):
        receipts.load(raw)
    with pytest.raises(NotPaidError):
        receipts.issue(raw, "株式会社 山田商事")
    with db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None and req.receipt_issued_count == 0 and req.receipt_addressee is None
    assert _issued_events(db, request_id) == 0


def test_paid_link_before_the_first_issue_suggests_the_patient(db: Database, receipts: ReceiptService) -> None:
    request_id, raw = _request(db, BillingState.PAID)
    data = receipts.load(raw)
    assert data.request_id == request_id and data.addressee == "山田 花子" and data.issued_count == 0
    assert (data.amount, data.taxable_amount, data.tax, data.non_taxable_amount) == (1200, 1200, 109, 0)
    assert data.clinic_name == "やまだ内科クリニック" and data.paid_at == PAID_AT
    assert data.number == f"{request_id:08d}-1" and not data.reissued


def test_non_taxable_receipt_has_no_tax(db: Database, receipts: ReceiptService) -> None:
    _request_id, raw = _request(db, BillingState.PAID, TaxCategory.NON_TAXABLE)
    data = receipts.load(raw)
    assert (data.taxable_amount, data.tax, data.non_taxable_amount) == (0, 0, 1200)


def test_first_issue_fixes_the_addressee_and_later_ones_are_reissues(db: Database, receipts: ReceiptService) -> None:
    request_id, raw = _request(db, BillingState.PAID)
    receipts.issue(raw, "  株式会社   山田商事 ")
    first = receipts.load(raw)
    assert first.addressee == "株式会社 山田商事" and first.issued_count == 1 and not first.reissued
    receipts.issue(raw, "別人")
    again = receipts.load(raw)
    assert again.addressee == "株式会社 山田商事" and again.issued_count == 2 and again.reissued
    assert again.number == f"{request_id:08d}-2"
    assert _issued_events(db, request_id) == 2


def test_blank_addressee_is_the_patient(db: Database, receipts: ReceiptService) -> None:
    _request_id, raw = _request(db, BillingState.PAID)
    receipts.issue(raw, "   ")
    assert receipts.load(raw).addressee == "山田 花子"


def test_too_long_addressee_is_refused_and_nothing_issued(db: Database, receipts: ReceiptService) -> None:
    request_id, raw = _request(db, BillingState.PAID)
    with pytest.raises(ValidationError) as raised:
        receipts.issue(raw, "あ" * (MAX_ADDRESSEE + 1))
    assert raised.value.field == "addressee"
    assert receipts.load(raw).issued_count == 0 and _issued_events(db, request_id) == 0


def test_refunded_receipt_shows_the_refund_in_the_pdf(db: Database, receipts: ReceiptService) -> None:
    request_id, raw = _request(db, BillingState.PAID)
    with db.uow() as uow:
        uow.session.execute(update(BillingRequest).where(BillingRequest.id == request_id).values(
            refunded_amount=200, state=BillingState.PARTIALLY_REFUNDED))
        uow.commit()
    receipts.issue(raw, "")
    data = receipts.load(raw)
    assert data.refunded_amount == 200
    text = _pdf_text(receipts.render_pdf(data, "ja"))
    for expected in ("領収書", "山田 花子", "¥1,200", "¥109", "返金", "-¥200", "¥1,000", "やまだ内科クリニック",
                     "Visa ****4242", "2026年11月2日"):
        assert expected in text, expected
    assert "再発行" not in text


def test_reissued_pdf_is_marked_and_english_pdf_is_english(db: Database, receipts: ReceiptService) -> None:
    _request_id, raw = _request(db, BillingState.PAID)
    receipts.issue(raw, "Hanako Yamada")
    receipts.issue(raw, None)
    data = receipts.load(raw)
    assert "再発行" in _pdf_text(receipts.render_pdf(data, "ja"))
    english = _pdf_text(receipts.render_pdf(data, "en"))
    assert "Receipt" in english and "Hanako Yamada" in english and "¥1,200" in english
    assert "領収書" not in english
