"""Saved cards for 自動決済: saving with consent on the checkout page, the staff view, removal, the cap.

The patient ticks 「このカードを次回以降のお支払いに利用する」 on the checkout page. Their browser
makes the card token with token 3-D Secure (PAY.JP's advice for stored-card billing: 3-D Secure
at registration — https://pay.jp/docs/token-tds, help.pay.jp/ja/articles/6670437); the server
finishes it (``tds_finish``), registers the card as a PAY.JP customer of the platform account,
records the card (brand, last 4, expiry only) with the consent, and then charges the link's
request with that card (the tenant named on the charge, as on every money call).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.domain.errors import NotFoundError, PaymentError, UserError
from desktop.domain.saved_cards import CONSENT_VERSION, card_label, expiry_label
from desktop.domain.staff import Actor, Permission
from desktop.services import audit
from desktop.services.authz import authorized_row
from desktop.services.billing.common import Clock, LinkStatus, PaymentOutcome
from desktop.services.billing.notifier import PatientNotifier
from desktop.services.payjp_gateway import PayjpGateway
from desktop.services.billing.payments import PaymentService, link_error
from desktop.storage.orm import Clinic, Patient, Reservation, SavedCard
from desktop.storage.repositories import BillingRepositories
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)

# token 3-D Secure results PAY.JP accepts for using the token (https://pay.jp/docs/token-tds)
_AUTHENTICATED = ("verified", "attempted")


@dataclasses.dataclass(frozen=True)
class SavedCardView:
    """A patient's saved card as staff see it.

    ``saved_at`` / ``consent_at`` are UTC; ``consent_version`` names the text the patient ticked
    (``desktop.domain.saved_cards.consent_text`` renders it); ``consent_request_id`` is the
    request whose link they paid when saving it.
    """

    patient_id: int
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    saved_at: dt.datetime
    consent_at: dt.datetime
    consent_version: str
    consent_request_id: int | None
    clinic_name: str

    @property
    def label(self) -> str:
        """「VISA •••• 4242」."""
        return card_label(self.brand, self.last4)

    @property
    def expiry(self) -> str:
        """「MM/YY」."""
        return expiry_label(self.exp_month, self.exp_year)


@dataclasses.dataclass(frozen=True)
class AutoChargePlan:
    """What 後決済請求 / 事前決済 will do for an amount: charge the saved card now, or send a link.

    ``card`` is the saved card (None without one); ``charge_now`` is True when 自動決済 applies;
    ``reason`` is the code (``errors.MESSAGES``) of why a saved card is not charged
    (``auto_charge_over_cap`` with ``cap`` yen), None otherwise.
    """

    card: SavedCardView | None
    charge_now: bool
    reason: str | None = None
    cap: int = 0


def _view(card: SavedCard, clinic: Clinic) -> SavedCardView:
    return SavedCardView(
        patient_id=card.patient_id, brand=card.brand, last4=card.last4, exp_month=card.exp_month,
        exp_year=card.exp_year, saved_at=card.saved_at, consent_at=card.consent_at,
        consent_version=card.consent_version, consent_request_id=card.consent_request_id, clinic_name=clinic.name,
    )


def plan_for(s: Session, clinic: Clinic, patient: Patient, amount: int) -> AutoChargePlan:
    """The ``AutoChargePlan`` for charging ``amount`` whole yen to ``patient`` (in ``s``)."""
    row = _saved_card(s, patient.id)
    card = _view(row, clinic) if row is not None else None
    if not clinic.auto_charge or not patient.payjp_customer_id:
        return AutoChargePlan(card, False)
    cap = int(clinic.auto_charge_cap)
    if amount > cap:
        return AutoChargePlan(card, False, "auto_charge_over_cap", cap)
    return AutoChargePlan(card, True, cap=cap)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SavedCardService:
    """The patient's saved card: save with consent (checkout), show, remove (受付 / 管理者), plan.

    Methods block (database and network): run them in a worker thread.

    Args:
        db: the database.
        payments: opens links and charges (gateways, the money protocol).
        notifier: mails the patient (the notice that their card was removed).
        clock: current UTC time.
    """

    db: Database
    payments: PaymentService
    notifier: PatientNotifier
    clock: Clock

    def pay_and_save(self, raw_link: str, card_token: str, *, consent_version: str = CONSENT_VERSION) -> PaymentOutcome:
        """The patient ticked 「このカードを次回以降のお支払いに利用する」 and pressed 支払う.

        ``card_token`` (``tok_…``) was made with token 3-D Secure in the patient's browser. Its
        3-D Secure is finished at PAY.JP, the card registered as a customer (saved with the
        consent: time, ``consent_version``, this link's request), then the request is charged
        with it. A card the charge declines is not kept (removed here and at PAY.JP).

        Returns:
            PAID (or PROCESSING while a lost answer is looked up).

        Raises:
            PaymentError: 3-D Secure not passed, the card refused (nothing saved), or declined.
            StateError: the link is not payable (paid, cancelled, expired, being paid).
            ServiceUnavailableError: PAY.JP unreachable before anything was saved.
            OutcomeUnknownError: the charge's answer was lost (reconciled; never charged again).
        """
        if consent_version != CONSENT_VERSION:
            raise PaymentError("saved_card_consent_required")
        view = self.payments.open_link(raw_link)
        if view.status is not LinkStatus.PAYABLE or view.request_id is None:
            raise link_error(view.status)
        if not card_token or not card_token.startswith("tok_") or len(card_token) > 64:
            raise PaymentError("incorrect_card_data", payjp_code="invalid_token")
        if self.payments.card_payment_block(view.request_id) is not None:
            raise PaymentError("card_payment_unavailable")
        with self.db.uow(readonly=True) as uow:
            s = uow.session
            repo = BillingRepositories(s).requests
            req = repo.get(view.request_id)
            clinic, patient = repo.parties(req)[:2]
            gateway = self.payments.gateway_for(clinic)
            clinic_id, patient_id, tenant = clinic.id, patient.id, clinic.payjp_tenant_id
            email = patient.email or None
        status = gateway.finish_token_three_d_secure(card_token)
        if status not in _AUTHENTICATED:
            raise PaymentError("three_d_secure_failed", payjp_code="three_d_secure_failed")
        info = gateway.save_card(card_token=card_token, email=email, patient_id=patient_id,
                                 clinic_id=clinic_id, tenant=tenant)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            patient_row = s.get(Patient, patient_id)
            assert patient_row is not None
            old = _saved_card(s, patient_id)
            old_customer = patient_row.payjp_customer_id
            before = _audit_fields(old) if old is not None else None
            if old is not None:
                s.delete(old)
                s.flush()
            s.add(SavedCard(
                clinic_id=clinic_id, patient_id=patient_id, customer_id=info.customer_id, card_id=info.card_id,
                brand=info.brand, last4=info.last4, exp_month=info.exp_month, exp_year=info.exp_year,
                saved_at=now, consent_at=now, consent_version=consent_version, consent_request_id=view.request_id,
            ))
            patient_row.payjp_customer_id = info.customer_id
            audit.record(s, clinic_id=clinic_id, actor="patient", action="card_saved", entity_type="patient",
                         entity_id=patient_id, before=before,
                         after={"brand": info.brand, "last4": info.last4,
                                "expiry": expiry_label(info.exp_month, info.exp_year),
                                "consent_version": consent_version, "consent_request": view.request_id})
            uow.commit()
        if old_customer and old_customer != info.customer_id:
            self._delete_at_payjp(gateway, old_customer)
        try:
            return self.payments.pay_with_customer(raw_link, info.customer_id)
        except PaymentError:
            # The card saved a moment ago does not pay: do not keep it for 自動決済.
            self._forget(patient_id, info.customer_id, actor="patient", staff_id=None, reason="declined")
            self._delete_at_payjp(gateway, info.customer_id)
            raise

    def card_of(self, actor: Actor, patient_id: int) -> SavedCardView | None:
        """The patient's saved card (None without one), for 受付 / 管理者 of their clinic.

        Raises:
            NotFoundError: unknown patient, or one of another clinic.
            PermissionDeniedError: 経理.
        """
        with self.db.uow(readonly=True) as uow:
            patient, clinic = _patient_of_clinic(uow.session, actor, Permission.FRONT_DESK, patient_id)
            row = _saved_card(uow.session, patient.id)
            return _view(row, clinic) if row is not None else None

    def plan(self, actor: Actor, reservation_id: int, amount: int) -> AutoChargePlan:
        """What a request of ``amount`` whole yen for the reservation will do (the 確認 step).

        Raises:
            NotFoundError: unknown reservation, or one of another clinic.
            PermissionDeniedError: 経理.
        """
        with self.db.uow(readonly=True) as uow:
            s = uow.session
            reservation = authorized_row(s, actor, Permission.REQUEST, Reservation, reservation_id)
            clinic = s.get(Clinic, reservation.clinic_id)
            patient = s.get(Patient, reservation.patient_id)
            assert clinic is not None and patient is not None
            return plan_for(s, clinic, patient, amount)

    def remove_card(self, actor: Actor, patient_id: int) -> None:
        """Remove the patient's saved card at their request: deleted at PAY.JP, then here (audited).

        The patient is mailed a short notice. 受付 or 管理者 of the patient's clinic only.

        Raises:
            NotFoundError: unknown patient (or of another clinic), or no saved card.
            PermissionDeniedError: 経理.
            ServiceUnavailableError: PAY.JP unreachable (the card stays saved; try again).
        """
        with self.db.uow(readonly=True) as uow:
            patient, clinic = _patient_of_clinic(uow.session, actor, Permission.REQUEST, patient_id)
            customer = patient.payjp_customer_id
            if not customer:
                raise NotFoundError()
            gateway = self.payments.gateway_for(clinic)
        self._delete_at_payjp(gateway, customer, quiet=False)
        self._forget(patient_id, customer, actor="staff", staff_id=actor.staff_id, reason="patient_request",
                     notify=True)

    def _forget(self, patient_id: int, customer: str, *, actor: str, staff_id: int | None, reason: str,
                notify: bool = False) -> None:
        with self.db.uow() as uow:
            s = uow.session
            patient = s.get(Patient, patient_id)
            assert patient is not None
            row = s.scalars(select(SavedCard).where(SavedCard.patient_id == patient_id,
                                                    SavedCard.customer_id == customer)).first()
            if row is None and patient.payjp_customer_id != customer:
                return  # replaced or removed meanwhile
            before = _audit_fields(row) if row is not None else {"saved_card": True}
            if row is not None:
                s.delete(row)
            if patient.payjp_customer_id == customer:
                patient.payjp_customer_id = None
            audit.record(s, clinic_id=patient.clinic_id, actor=actor, staff_id=staff_id, action="card_removed",
                         entity_type="patient", entity_id=patient_id, before=before, after={"reason": reason})
            if notify and row is not None:
                self.notifier.card_removed(s, patient, card_label(row.brand, row.last4), self.clock())
            uow.commit()

    @staticmethod
    def _delete_at_payjp(gateway: PayjpGateway, customer: str, *, quiet: bool = True) -> None:
        try:
            gateway.delete_customer(customer)
        except UserError:
            if not quiet:
                raise
            log.warning("a replaced saved card could not be deleted at PAY.JP yet")


def forget_missing_card(s: Session, patient_id: int, customer: str) -> None:
    """PAY.JP no longer knows ``customer`` (removed there): the patient has no saved card here either.

    In the caller's transaction; one ``card_removed`` event by ``payjp``. Nothing when the patient
    has another card by now.
    """
    patient = s.get(Patient, patient_id)
    if patient is None or patient.payjp_customer_id != customer:
        return
    row = _saved_card(s, patient_id)
    before = _audit_fields(row) if row is not None else {"saved_card": True}
    if row is not None:
        s.delete(row)
    patient.payjp_customer_id = None
    audit.record(s, clinic_id=patient.clinic_id, actor="payjp", action="card_removed", entity_type="patient",
                 entity_id=patient_id, before=before, after={"reason": "missing_at_payjp"})


def _saved_card(s: Session, patient_id: int) -> SavedCard | None:
    return s.scalars(select(SavedCard).where(SavedCard.patient_id == patient_id)).first()


def _patient_of_clinic(s: Session, actor: Actor, permission: Permission, patient_id: int) -> tuple[Patient, Clinic]:
    """The patient and their clinic, once ``actor`` may do ``permission`` there (raises as ``authorized_row``)."""
    patient = authorized_row(s, actor, permission, Patient, patient_id)
    clinic = s.get(Clinic, patient.clinic_id)
    assert clinic is not None
    return patient, clinic


def _audit_fields(card: SavedCard) -> dict[str, object]:
    return {"brand": card.brand, "last4": card.last4, "expiry": expiry_label(card.exp_month, card.exp_year),
            "consent_version": card.consent_version}


__all__ = ["AutoChargePlan", "SavedCardService", "SavedCardView", "forget_missing_card", "plan_for"]
