"""Mail to the patient about a billing request: parties → mail composer → outbox, in one place."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from desktop.services import links, outbox
from desktop.services import mail_compose as mail
from desktop.services.billing.common import Clock, public_base_url
from desktop.storage.orm import BillingRequest, Clinic, Patient
from desktop.storage.repositories import BillingRequestRepository


@dataclasses.dataclass(frozen=True, kw_only=True)
class PatientNotifier:
    """Queues the mail a billing event sends the patient, in the caller's transaction.

    Nothing is queued when the patient has no e-mail address. The mail is in the patient's
    language (Japanese unless they chose English).

    Args:
        composer: renders patient mail.
        clock: current UTC time (the mail's Date).
    """

    composer: mail.MailComposer
    clock: Clock

    def payment_link(self, s: Session, req: BillingRequest, raw_link: str) -> None:
        """The 後決済請求 / 事前決済 mail with the personal payment link ``raw_link``."""
        assert req.link_expires_at is not None
        self._queue(
            s, req, mail.PaymentRequest, amount_yen=req.amount, tax_category=req.tax_category, message=req.message,
            payment_url=lambda base: links.payment_url(base, raw_link), link_expires_at=req.link_expires_at,
        )

    def reminder(self, s: Session, req: BillingRequest, raw_link: str) -> bool:
        """The reminder before the link expires, with the reminder's own link ``raw_link``.

        Returns False (nothing queued) when the patient has no e-mail address.
        """
        assert req.link_expires_at is not None
        return self._queue(
            s, req, mail.PaymentReminder, amount_yen=req.amount, tax_category=req.tax_category,
            payment_url=lambda base: links.payment_url(base, raw_link), link_expires_at=req.link_expires_at,
        )

    def receipt(self, s: Session, req: BillingRequest, paid_at: dt.datetime, raw_link: str | None, *,
                with_message: bool = False) -> None:
        """The receipt mail for a paid request (linking to the receipt page when ``raw_link`` is known).

        ``with_message``: the mail also carries the request's 伝達事項 (自動決済: the patient got no
        payment request mail, so this is the first mail that can say it).
        """
        self._queue(
            s, req, mail.Receipt, amount_yen=req.amount, tax_category=req.tax_category, paid_at=paid_at,
            card_brand=req.card_brand or "", card_last4=req.card_last4 or "0000",
            receipt_url=lambda base: links.receipt_url(base, raw_link) if raw_link else None,
            message=req.message if with_message else None,
        )

    def refund(self, s: Session, req: BillingRequest, refunded_yen: int, refunded_at: dt.datetime) -> None:
        """The refund notice: ``refunded_yen`` back now, what remains paid (whole yen)."""
        self._queue(
            s, req, mail.RefundNotice, refunded_yen=refunded_yen, remaining_yen=req.amount - req.refunded_amount,
            refunded_at=refunded_at,
        )

    def cancellation(self, s: Session, req: BillingRequest, cancelled_at: dt.datetime) -> None:
        """The notice that an unpaid request was cancelled."""
        self._queue(s, req, mail.CancellationNotice, amount_yen=req.amount, cancelled_at=cancelled_at)

    def card_removed(self, s: Session, patient: Patient, card: str, removed_at: dt.datetime) -> None:
        """The notice that the card ``card`` (「VISA •••• 4242」) saved for 自動決済 was removed."""
        if not patient.email:
            return
        clinic = s.get(Clinic, patient.clinic_id)
        assert clinic is not None
        content = mail.CardRemovedNotice(
            clinic=self._clinic(clinic), patient=self._patient(patient, patient.email), card=card,
            removed_at=removed_at,
        )
        self._enqueue(s, clinic, patient, None, content)

    @staticmethod
    def _clinic(clinic: Clinic) -> mail.Clinic:
        return mail.Clinic(
            name=clinic.name, email=clinic.email or None, phone=clinic.phone or None, address=clinic.address or None
        )

    @staticmethod
    def _patient(patient: Patient, email: str) -> mail.Patient:
        return mail.Patient(
            name=patient.full_name, email=email, sex=mail.Sex.parse(patient.sex), phone=patient.phone or None,
            address=patient.address or None,
        )

    def _enqueue(self, s: Session, clinic: Clinic, patient: Patient, request_id: int | None,
                 content: mail.PatientMail) -> None:
        now = self.clock()
        sender = clinic.email or "no-reply@clinicpay.invalid"
        envelope = mail.Envelope(
            from_address=sender, message_id=mail.new_message_id(sender.rpartition("@")[2]), date=now
        )
        lang = patient.language if patient.language in ("ja", "en") else "ja"
        message = self.composer.compose(content, envelope, lang)
        outbox.enqueue(
            s, clinic_id=clinic.id, billing_request_id=request_id, kind=mail.mail_kind(content), message=message, now=now
        )

    def _queue(self, s: Session, req: BillingRequest, kind: Any, **fields: Any) -> bool:
        """Compose a ``kind`` mail from the request's parties and ``fields`` and put it in the outbox.

        A field given as a callable receives the clinic's public base URL (for links).
        """
        clinic, patient, reservation, menu = BillingRequestRepository(s).parties(req)
        if not patient.email:
            return False
        base = public_base_url(clinic)
        content: mail.PatientMail = kind(
            clinic=self._clinic(clinic),
            patient=self._patient(patient, patient.email),
            reservation=mail.Reservation(
                menu_name=menu.name,
                starts_at=reservation.starts_at,
                attachments=tuple(n for n in reservation.attachments.splitlines() if n.strip()),
            ),
            **{name: value(base) if callable(value) else value for name, value in fields.items()},
        )
        self._enqueue(s, clinic, patient, req.id, content)
        return True
