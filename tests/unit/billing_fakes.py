"""A PAY.JP gateway double for the billing services' unit tests, and a wired billing engine."""

from __future__ import annotations

import dataclasses
import re
import secrets
from typing import Any

from sqlalchemy import select

from desktop.domain.errors import OutcomeUnknownError, PaymentError
from desktop.services.billing import BillingService
from desktop.services.mail_types import message_from_bytes
from desktop.services.payjp_gateway import ChargeInfo
from desktop.storage.orm import AuditEvent, OutboxMail
from desktop.storage.unit_of_work import Database
from tests.conftest import FixedClock
from tests.integration.seed import Front, seed_front_desk


class FakeGateway:
    """Charges kept in a dict, as PAY.JP would keep them; knobs to decline, ask 3-D Secure or lose answers."""

    def __init__(self) -> None:
        self.charges: dict[str, dict[str, Any]] = {}
        self.decline: str | None = None  # failure code of the next charges
        self.three_d_secure = False
        self.lose_answer = False  # carry the call out, then raise OutcomeUnknownError
        self.drop_call = False  # lose the call before PAY.JP carried it out
        self.created = 0
        self.refund_calls = 0

    def _info(self, charge_id: str) -> ChargeInfo:
        return ChargeInfo.from_json(self.charges[charge_id])

    def create_charge(self, *, amount: int, attempt_id: str, request_id: int, card: str | None,
                      customer: str | None, tenant: str | None, description: str,
                      three_d_secure: bool = False) -> ChargeInfo:
        self.created += 1
        if self.drop_call:
            raise OutcomeUnknownError()
        if self.decline:
            raise PaymentError(self.decline, payjp_code=self.decline)
        charge_id = "ch_" + secrets.token_hex(8)
        waiting = three_d_secure or self.three_d_secure
        self.charges[charge_id] = {
            "id": charge_id, "amount": amount, "paid": not waiting, "captured": not waiting,
            "amount_refunded": 0, "card": {"brand": "Visa", "last4": "4242"},
            "three_d_secure_status": "unverified" if waiting else None,
            "metadata": {"clinicpay_attempt": attempt_id},
        }
        if self.lose_answer:
            raise OutcomeUnknownError()
        return self._info(charge_id)

    def retrieve_charge(self, charge_id: str) -> ChargeInfo:
        return self._info(charge_id)

    def find_charge_by_attempt(self, attempt_id: str, *, since: int, tenant: str | None) -> ChargeInfo | None:
        for charge in self.charges.values():
            if charge["metadata"]["clinicpay_attempt"] == attempt_id:
                return ChargeInfo.from_json(charge)
        return None

    def finish_three_d_secure(self, charge_id: str) -> ChargeInfo:
        self.charges[charge_id].update(paid=True, captured=True, three_d_secure_status="verified")
        return self._info(charge_id)

    def refund_charge(self, charge_id: str, *, amount: int, reason: str) -> ChargeInfo:
        self.refund_calls += 1
        if self.drop_call:
            raise OutcomeUnknownError()
        if self.decline:
            raise PaymentError(self.decline, payjp_code=self.decline)
        self.charges[charge_id]["amount_refunded"] += amount
        if self.lose_answer:
            raise OutcomeUnknownError()
        return self._info(charge_id)

    def refund_outside(self, charge_id: str, amount: int) -> None:
        """A refund made on PAY.JP's dashboard (ClinicPay learns it from a webhook)."""
        self.charges[charge_id]["amount_refunded"] += amount


@dataclasses.dataclass
class Engine:
    db: Database
    gateway: FakeGateway
    billing: BillingService
    front: Front
    clock: FixedClock

    def mails(self) -> list[str]:
        """Kinds of the mail queued so far, oldest first."""
        with self.db.uow(readonly=True) as uow:
            return list(uow.session.scalars(select(OutboxMail.kind).order_by(OutboxMail.id)).all())

    def audit(self, request_id: int) -> list[str]:
        """Audit actions recorded for a request, oldest first."""
        with self.db.uow(readonly=True) as uow:
            return list(uow.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity_type == "billing_request", AuditEvent.entity_id == str(request_id))
                .order_by(AuditEvent.id)
            ).all())

    def link(self) -> str:
        """The raw link token of the newest payment-request mail."""
        with self.db.uow(readonly=True) as uow:
            body = uow.session.scalars(
                select(OutboxMail.body).where(OutboxMail.kind == "payment_request").order_by(OutboxMail.id.desc())
            ).first()
        assert body is not None
        match = re.search(r"/pay/([A-Za-z0-9_-]+)", _plain(body))
        assert match, "no link in the mail"
        return match.group(1)


def _plain(body: bytes) -> str:
    message = message_from_bytes(body)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def make_engine(db: Database, clock: FixedClock) -> Engine:
    gateway = FakeGateway()
    billing = BillingService(db, lambda clinic: gateway, clock=clock)  # type: ignore[arg-type,return-value]
    return Engine(db, gateway, billing, seed_front_desk(db), clock)
