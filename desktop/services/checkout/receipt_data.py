"""The receipt (領収書) of a paid link: what it says, and the two writes the patient may make.

The addressee may be edited until the first issue; every later issue is marked 再発行.
Both writes are conditional UPDATEs, so two tabs cannot both set the addressee.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select, update

from desktop.domain.billing import PAID_STATES, TaxCategory, included_tax
from desktop.domain.errors import ValidationError
from desktop.services import audit, links
from desktop.storage.orm import BillingRequest, Clinic
from desktop.storage.unit_of_work import Database

MAX_ADDRESSEE = 100


@dataclasses.dataclass(frozen=True)
class ReceiptData:
    """Everything printed on one receipt."""

    request_id: int
    clinic_name: str
    clinic_postal_code: str
    clinic_address: str
    clinic_phone: str
    registration_number: str  # T + 13 digits, or ""
    patient_name: str
    addressee: str  # the stored one after the first issue, else the patient's name (a suggestion)
    issued_count: int
    menu_name: str
    amount: int
    tax_category: TaxCategory
    paid_at: dt.datetime
    card_brand: str
    card_last4: str
    refunded_amount: int
    refunded_at: dt.datetime | None

    @property
    def taxable_amount(self) -> int:
        return self.amount if self.tax_category is TaxCategory.TAXABLE else 0

    @property
    def non_taxable_amount(self) -> int:
        return self.amount if self.tax_category is TaxCategory.NON_TAXABLE else 0

    @property
    def tax(self) -> int:
        return included_tax(self.amount, self.tax_category)

    @property
    def reissued(self) -> bool:
        return self.issued_count >= 2

    @property
    def number(self) -> str:
        return f"{self.request_id:08d}-{max(self.issued_count, 1)}"

    @property
    def registration_valid(self) -> bool:
        value = self.registration_number
        return len(value) == 14 and value[0] == "T" and value[1:].isdigit()


def _find(db: Database, raw_token: str) -> tuple[BillingRequest, Clinic] | None:
    if not links.looks_like_token(raw_token):
        return None
    with db.uow(readonly=True) as uow:
        s = uow.session
        req = s.scalar(select(BillingRequest).where(BillingRequest.link_token_hash == links.hash_link_token(raw_token)))
        if req is None:
            return None
        clinic = s.get(Clinic, req.clinic_id)
        assert clinic is not None
        return req, clinic


def load_receipt(db: Database, raw_token: str) -> ReceiptData | None | bool:
    """The receipt of a paid link; ``None`` for an unknown link, ``False`` for one not paid."""
    found = _find(db, raw_token)
    if found is None:
        return None
    req, clinic = found
    if req.state not in PAID_STATES or req.paid_at is None:
        return False
    return ReceiptData(
        request_id=req.id, clinic_name=clinic.name, clinic_postal_code=clinic.postal_code,
        clinic_address=clinic.address, clinic_phone=clinic.phone,
        registration_number=(clinic.registration_number or "").strip(),
        patient_name=req.patient_name, addressee=req.receipt_addressee or req.patient_name,
        issued_count=req.receipt_issued_count, menu_name=req.menu_name, amount=req.amount,
        tax_category=req.tax_category, paid_at=req.paid_at, card_brand=req.card_brand or "",
        card_last4=req.card_last4 or "", refunded_amount=req.refunded_amount, refunded_at=req.last_refunded_at,
    )


def issue_receipt(db: Database, raw_token: str, addressee: str | None) -> bool:
    """Issue (first time: with ``addressee``) or reissue the receipt. False if the link is not paid."""
    found = _find(db, raw_token)
    if found is None:
        return False
    req, _clinic = found
    name = " ".join((addressee or "").split())
    if len(name) > MAX_ADDRESSEE:
        raise ValidationError("field_too_long", field="addressee", label="宛名", max=MAX_ADDRESSEE)
    with db.uow() as uow:
        s = uow.session
        paid = BillingRequest.state.in_(list(PAID_STATES))
        first = s.execute(
            update(BillingRequest)
            .where(BillingRequest.id == req.id, paid, BillingRequest.receipt_issued_count == 0)
            .values(receipt_addressee=name or req.patient_name, receipt_issued_count=1)
            .execution_options(synchronize_session=False)
        )
        if first.rowcount != 1:  # type: ignore[attr-defined]
            again = s.execute(
                update(BillingRequest)
                .where(BillingRequest.id == req.id, paid, BillingRequest.receipt_issued_count >= 1)
                .values(receipt_issued_count=BillingRequest.receipt_issued_count + 1)
                .execution_options(synchronize_session=False)
            )
            if again.rowcount != 1:  # type: ignore[attr-defined]
                return False
        audit.record(s, clinic_id=req.clinic_id, actor="patient", action="receipt_issued",
                     entity_type="billing_request", entity_id=req.id,
                     before={"receipt_issued_count": req.receipt_issued_count}, after=None)
        uow.commit()
    return True
