"""Repositories for billing requests, payment attempts and refunds.

The one way a billing request, an attempt or a refund changes state is the repository's
``transition``: a conditional UPDATE (``… WHERE id = :id AND state IN (:sources) AND <guards>``)
that refuses any edge its state machine in ``desktop.domain.billing`` does not declare. For
billing requests the same call writes the audit event in the same transaction, so a state
change and its record can never part.

Repositories work inside the caller's unit of work; they never commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Generic, Iterable, Mapping, Sequence, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from desktop.domain.billing import ATTEMPT_TRANSITIONS, REFUND_TRANSITIONS, TRANSITIONS, AttemptStatus, BillingState
from desktop.domain.billing import RefundStatus, check_transition
from desktop.domain.errors import NotFoundError

from . import audit as audit_log
from .unit_of_work import Database
from .orm import BillingRequest, Clinic, Menu, Patient, PaymentAttempt, PaymentReminder, Refund, Reservation

Guard = ColumnElement[bool]
RowT = TypeVar("RowT", PaymentAttempt, Refund)
StatusT = TypeVar("StatusT", AttemptStatus, RefundStatus)


@dataclasses.dataclass(frozen=True)
class Audit:
    """Who changed a request and why: what its audit event records.

    Args:
        actor: ``staff`` / ``patient`` / ``payjp`` / ``system``.
        action: what happened (``payment_started``, ``refund_succeeded`` …).
        staff_id: the staff member, if one acted.
        details: added to the snapshot after the change (ids, amounts in whole yen, codes).
    """

    actor: str
    action: str
    staff_id: int | None = None
    details: Mapping[str, Any] | None = None


def snapshot(req: BillingRequest) -> dict[str, object]:
    """The audited fields of a request: state, amount and refunded amount (whole yen), charge id."""
    return {
        "state": req.state.value,
        "amount": req.amount,
        "refunded_amount": req.refunded_amount,
        "charge_id": req.charge_id,
    }


class BillingRequestRepository:
    """Billing requests in one unit of work: loads, inserts and audited state changes.

    Args:
        session: the unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, request_id: int) -> BillingRequest:
        """The request.

        Raises:
            NotFoundError: no such request.
        """
        req = self.session.get(BillingRequest, request_id)
        if req is None:
            raise NotFoundError()
        return req

    def clinic_of(self, req: BillingRequest) -> Clinic:
        """The clinic the request belongs to."""
        clinic = self.session.get(Clinic, req.clinic_id)
        assert clinic is not None
        return clinic

    def parties(self, req: BillingRequest) -> tuple[Clinic, Patient, Reservation, Menu]:
        """The clinic, patient, reservation and menu the request is about."""
        patient = self.session.get(Patient, req.patient_id)
        reservation = self.session.get(Reservation, req.reservation_id)
        assert patient is not None and reservation is not None
        menu = self.session.get(Menu, reservation.menu_id)
        assert menu is not None
        return self.clinic_of(req), patient, reservation, menu

    def by_link_digest(self, digest: str) -> BillingRequest | None:
        """The request whose payment link hashes to ``digest`` (its first link or its reminder's), if any."""
        found = self.session.scalar(select(BillingRequest).where(BillingRequest.link_token_hash == digest))
        if found is not None:
            return found
        return self.session.scalar(
            select(BillingRequest)
            .join(PaymentReminder, PaymentReminder.billing_request_id == BillingRequest.id)
            .where(PaymentReminder.link_token_hash == digest)
        )

    def by_charge_id(self, charge_id: str) -> BillingRequest | None:
        """The request paid by PAY.JP charge ``charge_id``, if any."""
        return self.session.scalars(select(BillingRequest).where(BillingRequest.charge_id == charge_id)).first()

    def overdue_ids(self, now: dt.datetime) -> list[int]:
        """Ids of open requests whose link expired before ``now`` (UTC)."""
        return list(
            self.session.scalars(
                select(BillingRequest.id).where(
                    BillingRequest.state == BillingState.REQUESTED, BillingRequest.link_expires_at < now
                )
            ).all()
        )

    def add(self, req: BillingRequest, audit: Audit) -> None:
        """Insert a new request (it gets its id) and audit its creation."""
        self.session.add(req)
        self.session.flush()
        self.record(req, audit, before=None)

    def transition(
        self,
        req: BillingRequest,
        sources: Iterable[BillingState],
        target: BillingState,
        audit: Audit,
        *,
        guards: Sequence[Guard] = (),
        **values: Any,
    ) -> bool:
        """Move ``req`` to ``target`` if it is still in one of ``sources`` (and ``guards`` hold).

        Writes ``values`` with the state, reloads ``req`` and writes ``audit`` (with the
        snapshot before and after) in the caller's transaction.

        Returns:
            True if the row moved; False (nothing written, ``req`` reloaded) if another PC,
            tab or event got there first.

        Raises:
            UndeclaredTransition: some ``source → target`` is not in ``TRANSITIONS``;
                nothing is written.
        """
        allowed = check_transition("billing_request", TRANSITIONS, sources, target)
        before = snapshot(req)
        result = self.session.execute(
            update(BillingRequest)
            .where(BillingRequest.id == req.id, BillingRequest.state.in_(list(allowed)), *guards)
            .values(state=target, **values)
            .execution_options(synchronize_session=False)
        )
        self.session.refresh(req)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self.record(req, audit, before=before)
        return True

    def set_replaced_by(self, req: BillingRequest, new_id: int) -> None:
        """Link a cancelled or expired request to the one that replaced it (not a state change)."""
        self.session.execute(
            update(BillingRequest)
            .where(BillingRequest.id == req.id)
            .values(replaced_by_id=new_id)
            .execution_options(synchronize_session=False)
        )
        self.session.refresh(req)

    def record(self, req: BillingRequest, audit: Audit, *, before: Mapping[str, Any] | None) -> None:
        """Write ``audit`` for ``req``: ``before`` and its snapshot now plus the audit's details."""
        audit_log.record(
            self.session,
            clinic_id=req.clinic_id,
            actor=audit.actor,
            staff_id=audit.staff_id,
            action=audit.action,
            entity_type="billing_request",
            entity_id=req.id,
            before=before,
            after={**snapshot(req), **(audit.details or {})},
        )


class _StatusRows(Generic[RowT, StatusT]):
    """Rows with a string id and a status that moves along a declared state machine."""

    model: type[RowT]
    machine: str
    table: Mapping[StatusT, frozenset[StatusT]]

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, row_id: str) -> RowT:
        """The row.

        Raises:
            NotFoundError: no such row.
        """
        row = self.session.get(self.model, row_id)
        if row is None:
            raise NotFoundError()
        return row

    def add(self, row: RowT) -> None:
        """Record a new row (an attempt or refund is recorded before PAY.JP is called)."""
        self.session.add(row)
        self.session.flush()

    def transition(self, row_id: str, sources: Iterable[StatusT], target: StatusT, **values: Any) -> bool:
        """Conditional UPDATE of the row's status (with ``values``); True if it moved.

        Raises:
            UndeclaredTransition: an edge not in the row's state machine; nothing is written.
        """
        allowed = check_transition(self.machine, self.table, sources, target)
        column: Any = self.model.status
        result = self.session.execute(
            update(self.model)
            .where(self.model.id == row_id, column.in_(list(allowed)))
            .values(status=target, **values)
            .execution_options(synchronize_session=False)
        )
        row = self.session.get(self.model, row_id)
        if row is not None:
            self.session.refresh(row)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


class PaymentAttemptRepository(_StatusRows[PaymentAttempt, AttemptStatus]):
    """Payment attempts in one unit of work (``session``); status moves along ``ATTEMPT_TRANSITIONS``."""

    model, machine, table = PaymentAttempt, "payment_attempt", ATTEMPT_TRANSITIONS

    def for_request(self, request_id: int) -> list[PaymentAttempt]:
        """Every attempt for a request, oldest first."""
        return list(
            self.session.scalars(
                select(PaymentAttempt)
                .where(PaymentAttempt.billing_request_id == request_id)
                .order_by(PaymentAttempt.started_at)
            ).all()
        )

    def for_charge(self, charge_id: str, attempt_id: str = "") -> PaymentAttempt | None:
        """The attempt behind a PAY.JP charge: by the attempt id in its metadata, else by charge id."""
        if attempt_id:
            found = self.session.get(PaymentAttempt, attempt_id)
            if found is not None and (not found.charge_id or found.charge_id == charge_id):
                return found
        if charge_id:
            return self.session.scalars(select(PaymentAttempt).where(PaymentAttempt.charge_id == charge_id)).first()
        return None

    def to_reconcile(self, now: dt.datetime, grace: dt.timedelta, three_d_secure_timeout: dt.timedelta) -> list[str]:
        """Ids of attempts whose outcome is unknown: lost, unanswered past ``grace``, or abandoned 3-D Secure."""
        return list(
            self.session.scalars(
                select(PaymentAttempt.id).where(
                    (PaymentAttempt.status == AttemptStatus.UNKNOWN)
                    | ((PaymentAttempt.status == AttemptStatus.PENDING) & (PaymentAttempt.started_at < now - grace))
                    | (
                        (PaymentAttempt.status == AttemptStatus.THREE_D_SECURE)
                        & (PaymentAttempt.started_at < now - three_d_secure_timeout)
                    )
                )
            ).all()
        )


class RefundRepository(_StatusRows[Refund, RefundStatus]):
    """Refunds in one unit of work (``session``); status moves along ``REFUND_TRANSITIONS``."""

    model, machine, table = Refund, "refund", REFUND_TRANSITIONS

    def to_reconcile(self, now: dt.datetime, grace: dt.timedelta) -> list[str]:
        """Ids of refunds whose outcome is unknown: lost, or unanswered past ``grace``."""
        return list(
            self.session.scalars(
                select(Refund.id).where(
                    (Refund.status == RefundStatus.UNKNOWN)
                    | ((Refund.status == RefundStatus.PENDING) & (Refund.created_at < now - grace))
                )
            ).all()
        )


class BillingRepositories:
    """The three repositories over one session (what a billing use case works with)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.requests = BillingRequestRepository(session)
        self.attempts = PaymentAttemptRepository(session)
        self.refunds = RefundRepository(session)


def load_clinic(db: Database, clinic_id: int) -> Clinic:
    """The clinic row ``clinic_id``, detached (read in its own transaction).

    Raises:
        NotFoundError: no such clinic.
    """
    with db.uow(readonly=True) as uow:
        clinic = uow.session.get(Clinic, clinic_id)
        if clinic is None:
            raise NotFoundError()
        return clinic
