"""Mail to the patient about a billing request: parties → mail composer → outbox, in one place."""

from __future__ import annotations

import datetime as dt
from typing import Callable, NamedTuple

from sqlalchemy.orm import Session

from desktop.services import links, outbox
from desktop.services import mail_compose as mail
from desktop.services.billing.common import Clock, public_base_url
from desktop.storage.orm import BillingRequest, Clinic, Menu, Patient, Reservation


class MailParties(NamedTuple):
    """Who a patient mail is from and to, and what it is about."""

    clinic: mail.Clinic
    patient: mail.Patient
    reservation: mail.Reservation
    payment_base_url: str


class PatientNotifier:
    """Queues the mail a billing event sends the patient, in the caller's transaction.

    Nothing is queued when the patient has no e-mail address. The mail is in the patient's
    language (Japanese unless they chose English).

    Args:
        composer: renders patient mail.
        clock: current UTC time (the mail's Date).
    """

    def __init__(self, composer: mail.MailComposer, clock: Clock) -> None:
        self._composer = composer
        self._clock = clock

    def payment_link(self, s: Session, req: BillingRequest, raw_link: str) -> None:
        """The 後決済請求 / 事前決済 mail with the personal payment link ``raw_link``."""
        expires = req.link_expires_at
        assert expires is not None
        self._queue(
            s,
            req,
            lambda m: mail.PaymentRequest(
                clinic=m.clinic,
                patient=m.patient,
                reservation=m.reservation,
                amount_yen=req.amount,
                tax_category=req.tax_category,
                message=req.message,
                payment_url=links.payment_url(m.payment_base_url, raw_link),
                link_expires_at=expires,
            ),
        )

    def receipt(self, s: Session, req: BillingRequest, paid_at: dt.datetime, raw_link: str | None) -> None:
        """The receipt mail for a paid request (linking to the receipt page when ``raw_link`` is known)."""
        self._queue(
            s,
            req,
            lambda m: mail.Receipt(
                clinic=m.clinic,
                patient=m.patient,
                reservation=m.reservation,
                amount_yen=req.amount,
                tax_category=req.tax_category,
                paid_at=paid_at,
                card_brand=req.card_brand or "",
                card_last4=req.card_last4 or "0000",
                receipt_url=links.receipt_url(m.payment_base_url, raw_link) if raw_link else None,
            ),
        )

    def refund(self, s: Session, req: BillingRequest, refunded_yen: int, refunded_at: dt.datetime) -> None:
        """The refund notice: ``refunded_yen`` back now, what remains paid (whole yen)."""
        self._queue(
            s,
            req,
            lambda m: mail.RefundNotice(
                clinic=m.clinic,
                patient=m.patient,
                reservation=m.reservation,
                refunded_yen=refunded_yen,
                remaining_yen=req.amount - req.refunded_amount,
                refunded_at=refunded_at,
            ),
        )

    def cancellation(self, s: Session, req: BillingRequest, cancelled_at: dt.datetime) -> None:
        """The notice that an unpaid request was cancelled."""
        self._queue(
            s,
            req,
            lambda m: mail.CancellationNotice(
                clinic=m.clinic,
                patient=m.patient,
                reservation=m.reservation,
                amount_yen=req.amount,
                cancelled_at=cancelled_at,
            ),
        )

    def _queue(self, s: Session, req: BillingRequest, make: Callable[[MailParties], mail.PatientMail]) -> None:
        clinic = s.get(Clinic, req.clinic_id)
        patient = s.get(Patient, req.patient_id)
        reservation = s.get(Reservation, req.reservation_id)
        assert clinic is not None and patient is not None and reservation is not None
        menu = s.get(Menu, reservation.menu_id)
        assert menu is not None
        if not patient.email:
            return
        parties = MailParties(
            clinic=mail.Clinic(
                name=clinic.name, email=clinic.email or None, phone=clinic.phone or None, address=clinic.address or None
            ),
            patient=mail.Patient(
                name=patient.full_name,
                email=patient.email,
                sex=mail.Sex.parse(patient.sex),
                phone=patient.phone or None,
                address=patient.address or None,
            ),
            reservation=mail.Reservation(
                menu_name=menu.name,
                starts_at=reservation.starts_at,
                attachments=tuple(n for n in reservation.attachments.splitlines() if n.strip()),
            ),
            payment_base_url=public_base_url(clinic),
        )
        content = make(parties)
        now = self._clock()
        sender = clinic.email or "no-reply@clinicpay.invalid"
        envelope = mail.Envelope(
            from_address=sender, message_id=mail.new_message_id(sender.rpartition("@")[2]), date=now
        )
        lang = patient.language if patient.language in ("ja", "en") else "ja"
        message = self._composer.compose(content, envelope, lang)
        outbox.enqueue(
            s, clinic_id=clinic.id, billing_request_id=req.id, kind=mail.mail_kind(content), message=message, now=now
        )
