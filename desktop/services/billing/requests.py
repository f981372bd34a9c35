"""Staff requests: 後決済請求 / 事前決済, cancel, re-request, link expiry."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.domain.billing import OPEN_STATES, PAID_STATES, REFUNDABLE_STATES, BillingState, RequestKind, TaxCategory
from desktop.domain.clinic import ReservationStatus
from desktop.domain.errors import NotFoundError, OutcomeUnknownError, PaymentError, ServiceUnavailableError, StateError
from desktop.domain.errors import UserError
from desktop.domain.formatting import format_yen
from desktop.domain.money import Yen, parse_charge_yen
from desktop.domain.names import normalize_name, to_katakana
from desktop.domain.validation import validate_email, validate_message
from desktop.services.billing.common import DEFAULT_MESSAGE, PRE_PAYMENT_MESSAGE, Clock, RequestOutcome, issue_link
from desktop.services.billing.common import message_for
from desktop.services.billing.notifier import PatientNotifier
from desktop.services.billing.payments import PaymentService
from desktop.services.billing.saved_cards import forget_missing_card, plan_for
from desktop.domain.staff import Actor, Permission
from desktop.services.authz import authorize
from desktop.storage import audit as audit_log
from desktop.storage.orm import OPEN_REQUEST_INDEX, BillingRequest, Clinic, Menu, Patient, Reservation, Staff
from desktop.storage.repositories import Audit, BillingRepositories, BillingRequestRepository, snapshot
from desktop.storage.unit_of_work import Database


def _staff_of(s: Session, actor: Actor, clinic_id: int) -> Staff:
    return authorize(s, actor, Permission.REQUEST, clinic_id=clinic_id)


def open_request_of(s: Session, reservation_id: int) -> BillingRequest | None:
    """The visit's one open (未決済 / 決済処理中) request, if any."""
    return s.scalars(
        select(BillingRequest)
        .where(BillingRequest.reservation_id == reservation_id, BillingRequest.state.in_(list(OPEN_STATES)))
        .order_by(BillingRequest.id.desc())
    ).first()


def paid_on_visit(s: Session, reservation_id: int) -> int:
    """Whole yen paid on a visit and not refunded (every paid request of the reservation)."""
    rows = s.execute(
        select(BillingRequest.amount, BillingRequest.refunded_amount).where(
            BillingRequest.reservation_id == reservation_id, BillingRequest.state.in_(list(PAID_STATES))
        )
    ).all()
    return sum(amount - refunded for amount, refunded in rows)


def is_open_request_conflict(exc: IntegrityError) -> bool:
    """Whether ``exc`` is the database refusing a second open request for one visit."""
    text = str(exc.orig)
    return OPEN_REQUEST_INDEX in text or "billing_request.reservation_id" in text


@dataclasses.dataclass(frozen=True)
class VisitCancelled:
    """What cancelling a reservation did.

    Attributes:
        cancelled_request_ids: unpaid requests cancelled with it (their links dead, patients told).
        refundable: paid pre-payments still refundable, as ``(request id, whole yen left)``;
            staff are offered the refund, and each stays on 要対応 until refunded.
    """

    cancelled_request_ids: tuple[int, ...] = ()
    refundable: tuple[tuple[int, int], ...] = ()


def not_cancellable(req: BillingRequest) -> StateError:
    """Why ``req`` cannot be cancelled (its state travels as a code, rendered when shown)."""
    if req.state is BillingState.PROCESSING:
        return StateError("request_processing")
    return StateError("request_not_cancellable", state=req.state)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RequestService:
    """後決済請求 and its follow-ups: send, cancel, re-request, expire.

    Args:
        db: the database.
        payments: charges the saved card when 自動決済 applies.
        notifier: mails the patient.
        clock: current UTC time.
    """

    db: Database
    payments: PaymentService
    notifier: PatientNotifier
    clock: Clock
    def request_payment(
        self,
        reservation_id: int,
        actor: Actor,
        amount: Yen,
        tax_category: TaxCategory,
        message: str | None = DEFAULT_MESSAGE,
        *,
        kind: RequestKind = RequestKind.POST_PAYMENT,
        replace_open: int | None = None,
        additional: bool = False,
        keep_link: bool = False,
    ) -> RequestOutcome:
        """後決済請求: record the request and e-mail the patient a personal link.

        A visit has at most one open request (the database refuses a second one, so two PCs
        cannot both send): the unpaid one is cancelled and replaced in the same transaction when
        ``replace_open`` names it; otherwise the call is refused. A visit already paid takes a new
        request only as a confirmed 追加請求 (``additional``).

        With 自動決済 and a saved card, the card is charged at once instead; if that card is
        declined, expired or removed at PAY.JP, the patient gets a link by e-mail as usual, and
        so when ``amount`` is above the clinic's 自動決済 cap (``auto_charge_error`` then says why:
        PAY.JP's reason, or ``auto_charge_over_cap``).

        Args:
            reservation_id: the reservation billed.
            actor: who sends it (受付 or 管理者 of the reservation's clinic, signed in).
            amount: whole yen, tax included, within PAY.JP's limits (50–9,999,999).
            tax_category: 課税 or 非課税.
            message: 伝達事項 for the patient (at most 1,000 characters); a default message
                (``DEFAULT_MESSAGE`` and the like) becomes the one that says how the patient pays
                (``message_for``: no 「メール内のリンク」 when 自動決済 charges the saved card).
            kind: post- or pre-payment.
            replace_open: id of the visit's unpaid request staff agreed to replace (the ``request_id``
                of a ``visit_has_open_request`` error): it is cancelled (its link dies) and this one
                sent instead. Another PC having replaced it meanwhile refuses the call again.
            additional: the visit is already paid and staff confirmed an additional request.
            keep_link: also return the link's raw token (``RequestOutcome.link_token``) for the
                接続チェック's QR code; otherwise it exists only in the patient's mail.

        Returns:
            The new request's id and state (PAID / PROCESSING when 自動決済 charged it).

        Raises:
            ValidationError: amount out of range, message too long, patient e-mail missing or invalid.
            StateError: reservation cancelled, menu does not allow this kind, payments not usable;
                ``visit_has_open_request`` (``amount``: the unpaid request's whole yen,
                ``request_id``: its id) unless ``replace_open`` names it; ``visit_already_paid`` (``amount``: whole yen paid, net of refunds)
                without ``additional``; ``request_processing`` while the open request is being paid.
            NotFoundError: unknown reservation, or staff of another clinic.
            PermissionDeniedError: the actor's role may not request payments (経理).
        """
        value = parse_charge_yen(amount)
        text = validate_message(message)
        try:
            with self.db.uow() as uow:
                req, auto, raw = self._create(uow.session, reservation_id, actor, value, tax_category, text, kind,
                                              replace_open=replace_open, additional=additional)
                uow.commit()
                request_id = req.id
        except IntegrityError as exc:
            raise self._conflict(exc, reservation_id) from None
        outcome = self._after_create(request_id, actor.staff_id, auto)
        return dataclasses.replace(outcome, link_token=raw) if keep_link else outcome

    def _conflict(self, exc: IntegrityError, reservation_id: int) -> Exception:
        """Another PC opened a request for the visit at the same moment: say so (with its amount)."""
        if not is_open_request_conflict(exc):
            return exc
        with self.db.uow(readonly=True) as uow:
            other = open_request_of(uow.session, reservation_id)
            if other is None:
                return StateError("visit_has_open_request", amount=0, request_id=0)
            return StateError("visit_has_open_request", amount=other.amount, request_id=other.id)

    def request_pre_payment(
        self, reservation_id: int, actor: Actor, *, replace_open: int | None = None, additional: bool = False
    ) -> RequestOutcome:
        """事前決済: request the menu's price for a reservation (link by mail, or 自動決済).

        Raises: as ``request_payment`` (with the same ``replace_open`` / ``additional``).
        """
        with self.db.uow(readonly=True) as uow:
            reservation = uow.session.get(Reservation, reservation_id)
            if reservation is None:
                raise NotFoundError()
            menu = uow.session.get(Menu, reservation.menu_id)
            assert menu is not None
            price, category, confirmation = Yen(menu.price), menu.tax_category, menu.confirmation_message
        return self.request_payment(
            reservation_id, actor, price, category, confirmation or PRE_PAYMENT_MESSAGE, kind=RequestKind.PRE_PAYMENT,
            replace_open=replace_open, additional=additional,
        )

    def _create(
        self,
        s: Session,
        reservation_id: int,
        actor: Actor,
        value: Yen,
        category: TaxCategory,
        text: str,
        kind: RequestKind,
        *,
        replace_open: int | None,
        additional: bool,
    ) -> tuple[BillingRequest, bool | UserError, str]:
        """Insert a request, its link and (unless 自動決済 applies) its mail, in ``s``'s transaction.

        The visit's open request, if any, is cancelled and marked replaced when ``replace_open``.
        The second value: True when 自動決済 charges the saved card next, False when it does not
        apply, or the reason (``auto_charge_over_cap``) a saved card is not charged this time; the
        third, the link's raw token.
        """
        now = self.clock()
        reservation = s.get(Reservation, reservation_id)
        if reservation is None:
            raise NotFoundError()
        staff = _staff_of(s, actor, reservation.clinic_id)
        patient = s.get(Patient, reservation.patient_id)
        menu = s.get(Menu, reservation.menu_id)
        clinic = s.get(Clinic, reservation.clinic_id)
        assert patient is not None and menu is not None and clinic is not None
        if reservation.status is ReservationStatus.CANCELLED:
            raise StateError("reservation_cancelled")
        if kind is RequestKind.POST_PAYMENT and not menu.allows_post_payment:
            raise StateError("post_payment_not_allowed")
        if kind is RequestKind.PRE_PAYMENT and not menu.allows_pre_payment:
            raise StateError("pre_payment_not_allowed")
        blocked = self.payments.block_for(clinic)
        if blocked is not None:
            raise StateError(blocked)
        validate_email(patient.email)
        repo = BillingRequestRepository(s)
        current = open_request_of(s, reservation.id)
        if current is not None:
            if current.state is BillingState.PROCESSING:
                raise StateError("request_processing")
            if replace_open != current.id:
                raise StateError("visit_has_open_request", amount=current.amount, request_id=current.id)
        paid = paid_on_visit(s, reservation.id)
        if paid > 0 and not additional:
            raise StateError("visit_already_paid", amount=paid)
        if current is not None and not self._cancelled(repo, current, staff.id):
            # another PC replaced or cancelled it a moment ago: staff must look at the visit again
            if current.state is BillingState.PROCESSING:
                raise StateError("request_processing")
            other = open_request_of(s, reservation.id)
            if other is None:
                raise not_cancellable(current)
            raise StateError("visit_has_open_request", amount=other.amount, request_id=other.id)
        plan = plan_for(s, clinic, patient, value)
        auto: bool | UserError = plan.charge_now
        if plan.reason is not None:  # a saved card, but not for this amount: the link says why
            auto = UserError(plan.reason, cap=format_yen(plan.cap))
        text = message_for(text, kind=kind, charge_now=auto is True)
        req = BillingRequest(
            clinic_id=clinic.id,
            reservation_id=reservation.id,
            patient_id=patient.id,
            staff_id=staff.id,
            kind=kind,
            amount=value,
            tax_category=category,
            message=text,
            state=BillingState.REQUESTED,
            patient_name=patient.full_name,
            patient_given=normalize_name(patient.given_name),
            patient_kana=to_katakana(f"{patient.family_name_kana} {patient.given_name_kana}"),
            staff_name=staff.name,
            menu_name=menu.name,
            receipt_purpose=menu.receipt_purpose,
            requested_at=now,
            updated_at=now,
            refunded_amount=0,
        )
        raw = issue_link(req, clinic, now)
        repo.add(
            req,
            Audit(
                "staff", "request_created", staff.id,
                {"message": text, "tax_category": category.value, "auto_charge": auto is True,
                 "additional": paid > 0},
            ),
        )
        if current is not None:
            self._mark_replaced(repo, current, req.id, staff.id)
        if auto is not True:
            self.notifier.payment_link(s, req, raw)
        return req, auto, raw

    @staticmethod
    def _mark_replaced(repo: BillingRequestRepository, old: BillingRequest, new_id: int, staff_id: int) -> None:
        before = snapshot(old)
        repo.set_replaced_by(old, new_id)
        repo.record(old, Audit("staff", "request_replaced", staff_id, {"replaced_by": new_id}), before=before)

    def _after_create(self, request_id: int, staff_id: int, auto: bool | UserError) -> RequestOutcome:
        if isinstance(auto, UserError):
            return RequestOutcome(request_id, BillingState.REQUESTED, auto_charged=False, auto_charge_error=auto)
        if not auto:
            return RequestOutcome(request_id, BillingState.REQUESTED)
        try:
            outcome = self.payments.charge_saved_card(request_id, staff_id)
            return RequestOutcome(request_id, outcome.state, auto_charged=True)
        except (PaymentError, ServiceUnavailableError) as exc:
            # The saved card did not work: the patient got a link by e-mail instead.
            if exc.code == "saved_card_missing":
                self._forget_missing(request_id)
            return RequestOutcome(request_id, BillingState.REQUESTED, auto_charged=False, auto_charge_error=exc)
        except OutcomeUnknownError as exc:
            return RequestOutcome(request_id, BillingState.PROCESSING, auto_charged=True, auto_charge_error=exc)

    def _forget_missing(self, request_id: int) -> None:
        """The saved card is gone at PAY.JP: staff no longer see it, 自動決済 no longer tries it."""
        with self.db.uow() as uow:
            req = BillingRepositories(uow.session).requests.get(request_id)
            patient = uow.session.get(Patient, req.patient_id)
            if patient is not None and patient.payjp_customer_id:
                forget_missing_card(uow.session, patient.id, patient.payjp_customer_id)
            uow.commit()

    def _cancelled(self, repo: BillingRequestRepository, req: BillingRequest, staff_id: int) -> bool:
        """Cancel an open request (audited); False if another PC or the patient moved it first."""
        now = self.clock()
        return repo.transition(
            req,
            {BillingState.REQUESTED},
            BillingState.CANCELLED,
            Audit("staff", "request_cancelled", staff_id),
            cancelled_at=now,
            updated_at=now,
        )

    def _cancel(self, repo: BillingRequestRepository, req: BillingRequest, staff_id: int) -> None:
        if not self._cancelled(repo, req, staff_id):
            raise not_cancellable(req)

    def cancel_request(self, request_id: int, actor: Actor, *, notify_patient: bool = False) -> None:
        """Cancel an unpaid request; its link is refused from this moment.

        Args:
            notify_patient: also mail the patient that the request was cancelled.

        Raises:
            StateError: the request is being paid, or is not open any more.
            NotFoundError: unknown request, or staff of another clinic.
            PermissionDeniedError: the actor's role may not (経理).
        """
        with self.db.uow() as uow:
            repo = BillingRepositories(uow.session).requests
            req = repo.get(request_id)
            _staff_of(uow.session, actor, req.clinic_id)
            self._cancel(repo, req, actor.staff_id)
            if notify_patient:
                assert req.cancelled_at is not None
                self.notifier.cancellation(uow.session, req, req.cancelled_at)
            uow.commit()

    def re_request(
        self,
        request_id: int,
        actor: Actor,
        *,
        amount: Yen | None = None,
        tax_category: TaxCategory | None = None,
        message: str | None = None,
        replace_open: int | None = None,
        additional: bool = False,
    ) -> RequestOutcome:
        """後決済取消後の再請求: cancel the old request (if still open) and send a new one.

        One transaction: the old link stops working exactly when the new request and its
        e-mail exist. Bad input or a request that is no longer open changes nothing. Re-requesting
        a cancelled or expired request while the visit has another unpaid one is refused unless
        ``replace_open`` names it (that one is cancelled too); a visit already paid needs ``additional``.

        Args:
            amount, tax_category, message: the new request's; None keeps the old request's.
            replace_open, additional: as ``request_payment``.

        Returns:
            The new request's outcome (as ``request_payment``).

        Raises:
            ValidationError, StateError, NotFoundError: as ``request_payment`` and ``cancel_request``.
        """
        try:
            return self._re_request(request_id, actor, amount, tax_category, message, replace_open, additional)
        except IntegrityError as exc:
            with self.db.uow(readonly=True) as uow:
                reservation_id = BillingRepositories(uow.session).requests.get(request_id).reservation_id
            raise self._conflict(exc, reservation_id) from None

    def _re_request(
        self,
        request_id: int,
        actor: Actor,
        amount: Yen | None,
        tax_category: TaxCategory | None,
        message: str | None,
        replace_open: int | None,
        additional: bool,
    ) -> RequestOutcome:
        with self.db.uow() as uow:
            s = uow.session
            repo = BillingRepositories(s).requests
            old = repo.get(request_id)
            _staff_of(s, actor, old.clinic_id)
            staff_id = actor.staff_id
            value = parse_charge_yen(old.amount if amount is None else amount)
            category = tax_category or old.tax_category
            text = validate_message(old.message if message is None else message)
            was_open = old.state is BillingState.REQUESTED
            if was_open:
                self._cancel(repo, old, staff_id)
            elif old.state not in (BillingState.CANCELLED, BillingState.EXPIRED):
                raise not_cancellable(old)
            # an open request being replaced was already confirmed as what the visit owes
            new, auto, _raw = self._create(s, old.reservation_id, actor, value, category, text, old.kind,
                                           replace_open=replace_open, additional=additional or was_open)
            self._mark_replaced(repo, old, new.id, staff_id)
            uow.commit()
            new_id = new.id
        return self._after_create(new_id, staff_id, auto)

    def cancel_reservation(self, reservation_id: int, actor: Actor) -> VisitCancelled:
        """キャンセル: set the reservation to cancelled and cancel its unpaid requests, in one transaction.

        Each unpaid link is refused from this moment and its patient is mailed the cancellation.
        Paid pre-payments are not refunded here: they come back in ``refundable`` so staff can
        refund them at once (and are listed on 要対応 until they are).

        Raises:
            StateError: ``request_processing`` — a patient is paying right now (nothing changed).
            NotFoundError: unknown reservation, or staff of another clinic.
            PermissionDeniedError: the actor's role may not (経理).
        """
        with self.db.uow() as uow:
            s = uow.session
            reservation = s.get(Reservation, reservation_id)
            if reservation is None:
                raise NotFoundError()
            _staff_of(s, actor, reservation.clinic_id)
            repo = BillingRepositories(s).requests
            requests = list(s.scalars(
                select(BillingRequest).where(BillingRequest.reservation_id == reservation_id)
                .order_by(BillingRequest.id)
            ).all())
            if any(r.state is BillingState.PROCESSING for r in requests):
                raise StateError("request_processing")
            cancelled: list[int] = []
            if reservation.status is not ReservationStatus.CANCELLED:
                before = {"status": reservation.status.value}
                reservation.status = ReservationStatus.CANCELLED
                audit_log.record(s, clinic_id=reservation.clinic_id, actor="staff", staff_id=actor.staff_id,
                                 action="reservation_status_changed", entity_type="reservation",
                                 entity_id=reservation_id, before=before,
                                 after={"status": ReservationStatus.CANCELLED.value})
            for req in requests:
                if req.state is BillingState.REQUESTED:
                    self._cancel(repo, req, actor.staff_id)
                    assert req.cancelled_at is not None
                    self.notifier.cancellation(s, req, req.cancelled_at)
                    cancelled.append(req.id)
            refundable = tuple(
                (r.id, r.amount - r.refunded_amount)
                for r in requests
                if r.kind is RequestKind.PRE_PAYMENT and r.state in REFUNDABLE_STATES and r.amount > r.refunded_amount
            )
            uow.commit()
        return VisitCancelled(tuple(cancelled), refundable)

    def expire_overdue(self) -> int:
        """Mark open requests whose link expired as 期限切れ (each audited). Returns how many changed."""
        now = self.clock()
        expired = 0
        with self.db.uow() as uow:
            repo = BillingRepositories(uow.session).requests
            for request_id in repo.overdue_ids(now):
                if repo.transition(
                    repo.get(request_id),
                    {BillingState.REQUESTED},
                    BillingState.EXPIRED,
                    Audit("system", "request_expired"),
                    guards=[BillingRequest.link_expires_at < now],
                    updated_at=now,
                ):
                    expired += 1
            uow.commit()
        return expired

