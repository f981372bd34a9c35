"""Builds a checkout app on a real database and the PAY.JP simulator, and issues payment links."""

from __future__ import annotations

import dataclasses
import pathlib
import re
from email import message_from_bytes, policy

from sqlalchemy import select

from desktop.config import LocalSettings
from desktop.domain.clinic import PaymentMode
from desktop.bootstrap import build_context
from desktop.services.context import AppContext, set_demo_api_base
from desktop.services.directory import ClinicUpdate
from desktop.services.secrets import MemorySecretStore
from desktop.storage.orm import OutboxMail
from tests.integration.seed import Front, seed_front_desk

WEBHOOK_TOKEN = "whook_test_0123456789abcdef"
_LINK = re.compile(r"/pay/([A-Za-z0-9_-]{40,64})")


def make_context(tmp_path: pathlib.Path, db_url: str, simulator_url: str, clock: object = None) -> AppContext:
    settings = LocalSettings(database_url=db_url)
    kwargs = {"clock": clock} if clock is not None else {}
    ctx = build_context(tmp_path / "data", settings, secrets=MemorySecretStore({"payjp_webhook_token": WEBHOOK_TOKEN}),
                        payjp_timeout=10, **kwargs)  # type: ignore[arg-type]
    set_demo_api_base(ctx, simulator_url)
    return ctx


def seed_demo_clinic(ctx: AppContext, public_base_url: str = "http://127.0.0.1:8470") -> Front:
    front = seed_front_desk(ctx.db, mode=PaymentMode.DEMO, public_base_url=public_base_url)
    ctx.directory.update_clinic(front.manager, front.clinic_id, ClinicUpdate(registration_number="T1234567890123", postal_code="100-0001",
                                                              representative="山田 太郎"))
    return front


@dataclasses.dataclass(frozen=True)
class Link:
    request_id: int
    token: str

    @property
    def path(self) -> str:
        return f"/pay/{self.token}"


def link_from_outbox(ctx: AppContext, request_id: int) -> str:
    with ctx.db.uow(readonly=True) as uow:
        bodies = uow.session.scalars(select(OutboxMail.body).where(
            OutboxMail.billing_request_id == request_id, OutboxMail.kind == "payment_request")).all()
    for body in bodies:
        text = message_from_bytes(body, policy=policy.default).get_body(preferencelist=("plain",))
        assert text is not None
        found = _LINK.search(text.get_content())  # type: ignore[attr-defined]
        if found:
            return found.group(1)
    raise AssertionError("no payment link in the outbox")


def another_visit(ctx: AppContext, front: Front) -> int:
    """A second reservation of the same patient: a visit holds one open request at a time."""
    return ctx.directory.create_reservation(front.staff, front.clinic_id, patient_id=front.patient_id,
                                           menu_id=front.menu_id, starts_at=ctx.clock())


def issue_link(ctx: AppContext, front: Front, amount: int = 1200, tax: str = "taxable",
               reservation_id: int | None = None) -> Link:
    visit = front.reservation_id if reservation_id is None else reservation_id
    outcome = ctx.billing.request_payment(visit, front.staff, amount, tax, "お大事になさってください")
    return Link(outcome.request_id, link_from_outbox(ctx, outcome.request_id))
