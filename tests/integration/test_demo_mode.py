"""デモ mode without the window: simulator + local mailbox, from a fresh data directory."""

from __future__ import annotations

import pathlib
import re

from desktop.config import LocalSettings
from desktop.domain.billing import BillingState
from desktop.domain.errors import ValidationError
from desktop.bootstrap import build_context
from desktop.services.context import set_demo_api_base
from desktop.services.demo import DEMO_ACCOUNTS, DEMO_CLINIC_NAME, ensure_demo_data
from desktop.services.demo_mailbox import DemoMailbox, extract_content
from desktop.services.payment_setup import DEMO_SECRET_KEY
from desktop.services.directory import ClinicUpdate
from desktop.services.secrets import MemorySecretStore
from desktop.simulator.server import SimulatorServer
from desktop.simulator.testing import make_test_token
from desktop.storage.orm import Menu, Reservation

import pytest
from sqlalchemy import select


def test_fresh_install_bills_and_refunds_through_the_simulator_and_mailbox(tmp_path: pathlib.Path) -> None:
    ctx = build_context(tmp_path, LocalSettings(), secrets=MemorySecretStore())
    try:
        assert ensure_demo_data(ctx) is not None
        assert ensure_demo_data(ctx) is None  # only once
        clinic = ctx.clinic()
        assert clinic is not None and clinic.name == DEMO_CLINIC_NAME
        with SimulatorServer() as sim:
            set_demo_api_base(ctx, sim.base_url)
            with ctx.db.uow(readonly=True) as uow:
                reservation = uow.session.scalars(
                    select(Reservation).join(Menu, Menu.id == Reservation.menu_id)
                    .where(Menu.name == "一般診療 (後決済)")).first()
                assert reservation is not None
            staff = ctx.staff.sign_in(ctx.settings.staff_id, DEMO_ACCOUNTS[0].password)
            outcome = ctx.billing.request_payment(reservation.id, staff, "1,200", "taxable")
            assert ctx.outbox.send_due().sent == 1
            mailbox = DemoMailbox(tmp_path / "mailbox")
            summaries = mailbox.list_messages()
            assert len(summaries) == 1 and "お支払いのお願い" in summaries[0].subject
            link = extract_content(mailbox.get(summaries[0].key)).first_link
            assert link and link.startswith("http://127.0.0.1:8470/pay/")
            raw = re.sub(r".*/pay/", "", link)
            # The card is tokenized for the demo clinic's own PAY.JP account, as its checkout page does.
            token = make_test_token(sim.base_url, DEMO_SECRET_KEY)
            assert ctx.billing.pay_with_token(raw, token).state is BillingState.PAID
            assert ctx.billing.refund(outcome.request_id, staff, reason="デモ").state is BillingState.REFUNDED
            ctx.outbox.send_due()
            assert len(mailbox.list_messages()) == 3  # request, receipt, refund notice
    finally:
        ctx.close()


def test_demo_keeps_its_charges_across_a_restart(tmp_path: pathlib.Path) -> None:
    from desktop.simulator.store import SimulatorState

    from desktop.services.payjp_gateway import PayjpConfig, PayjpGateway

    state_file = tmp_path / "simulator.json"
    with SimulatorServer(SimulatorState(state_file)) as sim:
        gateway = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key="sk_test_x"))
        charge = gateway.create_charge(amount=1200, attempt_id="att_1", request_id=1,
                                       card=make_test_token(sim.base_url, "sk_test_x"))
    with SimulatorServer(SimulatorState(state_file)) as sim:
        gateway = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key="sk_test_x"))
        assert gateway.refund_charge(charge.id, amount=200, reason="").amount_refunded == 200


def test_link_expiry_is_between_one_and_thirty_days(tmp_path: pathlib.Path) -> None:
    ctx = build_context(tmp_path, LocalSettings(), secrets=MemorySecretStore())
    try:
        clinic_id = ensure_demo_data(ctx)
        assert clinic_id is not None
        manager = ctx.staff.sign_in(ctx.settings.staff_id, DEMO_ACCOUNTS[0].password)
        for days in (0, 31):
            with pytest.raises(ValidationError):
                ctx.directory.update_clinic(manager, clinic_id, ClinicUpdate(link_expiry_days=days))
        ctx.directory.update_clinic(manager, clinic_id, ClinicUpdate(link_expiry_days=14))
        clinic = ctx.clinic()
        assert clinic is not None and clinic.link_expiry_days == 14
    finally:
        ctx.close()


def test_the_demo_patients_are_found_by_their_reading(tmp_path: pathlib.Path) -> None:
    """A trainee searching the demo by reading (やまだ, ﾀｶﾊｼ) finds the patient, as at a real clinic."""
    ctx = build_context(tmp_path, LocalSettings(), secrets=MemorySecretStore())
    try:
        clinic_id = ensure_demo_data(ctx)
        assert clinic_id is not None
        for reading, patient in (("やまだ", "山田"), ("ﾀｶﾊｼ", "高橋"), ("さとう たろう", "佐藤")):
            found = ctx.queries.reservations(clinic_id, None, search=reading)
            assert found and {row.patient_name.split()[0] for row in found} == {patient}, reading
    finally:
        ctx.close()
