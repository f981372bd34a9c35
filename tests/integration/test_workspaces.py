"""Which database a PC opens: the demo's own file on a first run, an older install's database kept safe."""

from __future__ import annotations

import pathlib

from desktop.bootstrap import bootstrap, prepare_context
from desktop.config import LocalSettings
from desktop.domain.clinic import PaymentMode
from desktop.domain.staff import Actor
from desktop.services.context import AppContext
from desktop.services.demo import DEMO_CLINIC_NAME, ensure_demo_data
from desktop.services.demo_accounts import DEMO_ACCOUNTS
from desktop.services.directory import ClinicUpdate
from desktop.services.secrets import MemorySecretStore, payjp_secret_name


def _demo_manager(ctx: AppContext, clinic_id: int) -> Actor:
    """The demo's 院長, signed in with the published トレーニング password."""
    by_name = {a.name: a.id for a in ctx.staff.accounts(clinic_id)}
    return ctx.staff.sign_in(by_name[DEMO_ACCOUNTS[0].name], DEMO_ACCOUNTS[0].password)


def _legacy_install(data_dir: pathlib.Path, *, touched: bool) -> None:
    """A data directory of an earlier version: the demo clinic seeded into clinicpay.db."""
    ctx = bootstrap(data_dir, LocalSettings(), secrets=MemorySecretStore())
    try:
        clinic_id = ensure_demo_data(ctx)
        assert clinic_id is not None
        if touched:
            ctx.directory.add_patient(_demo_manager(ctx, clinic_id), clinic_id, family_name="本物", given_name="患者", phone="090-0000-0000")
    finally:
        ctx.close()


def test_a_fresh_install_opens_the_demo_in_its_own_file(tmp_path: pathlib.Path) -> None:
    ctx = prepare_context(tmp_path, LocalSettings(), secrets=MemorySecretStore())
    try:
        assert ctx.first_run and ctx.training
        assert (tmp_path / "demo.db").exists() and not (tmp_path / "clinicpay.db").exists()
    finally:
        ctx.close()


def test_an_untouched_demo_seed_becomes_the_demo_database(tmp_path: pathlib.Path) -> None:
    _legacy_install(tmp_path, touched=False)
    ctx = prepare_context(tmp_path, LocalSettings(), secrets=MemorySecretStore())
    try:
        assert ctx.first_run and ctx.training
        assert not (tmp_path / "clinicpay.db").exists()
        clinic = ctx.clinic()
        assert clinic is not None and clinic.name == DEMO_CLINIC_NAME
    finally:
        ctx.close()


def test_a_database_with_the_clinics_own_data_stays_the_clinics(tmp_path: pathlib.Path) -> None:
    _legacy_install(tmp_path, touched=True)
    ctx = prepare_context(tmp_path, LocalSettings(), secrets=MemorySecretStore())
    try:
        assert not ctx.first_run and not ctx.training
        clinic = ctx.clinic()
        assert clinic is not None and clinic.name == DEMO_CLINIC_NAME  # kept as it was, nothing moved
        assert not (tmp_path / "demo.db").exists()
        assert LocalSettings.load(tmp_path).workspace == "clinic"
    finally:
        ctx.close()


def test_the_demo_uses_the_simulator_whatever_its_clinic_row_says(tmp_path: pathlib.Path) -> None:
    secrets = MemorySecretStore()
    secrets.set(payjp_secret_name("test"), "sk_test_realclinickey")
    ctx = prepare_context(tmp_path, LocalSettings(), secrets=secrets, workspace="demo")
    try:
        clinic = ctx.clinic()
        assert clinic is not None
        ctx.directory.update_clinic(_demo_manager(ctx, clinic.id), clinic.id, ClinicUpdate(payment_mode=PaymentMode.TEST))
        ctx.gateways.demo_api_base = "http://127.0.0.1:9"
        config = ctx.gateways.config_for(ctx.clinic())  # type: ignore[arg-type]
        assert config.api_base == "http://127.0.0.1:9" and config.secret_key != "sk_test_realclinickey"
    finally:
        ctx.close()


def test_a_new_clinic_starts_blank_in_test_mode_with_one_manager(tmp_path: pathlib.Path) -> None:
    ctx = prepare_context(tmp_path, LocalSettings(), secrets=MemorySecretStore(), workspace="clinic")
    try:
        clinic = ctx.clinic()
        assert clinic is not None and clinic.name == "" and clinic.payment_mode is PaymentMode.TEST
        staff = ctx.queries.staff(clinic.id)
        assert [(s.name, s.is_manager) for s in staff] == [("管理者", True)]
        status = ctx.setup.status(clinic.id)
        assert status.started and not status.finished and not status.complete
    finally:
        ctx.close()


def test_a_clinic_without_smtp_keeps_its_mail_out_of_the_demo_mailbox(tmp_path: pathlib.Path) -> None:
    from email.message import EmailMessage

    import pytest

    from desktop.bootstrap import mail_transport_for
    from desktop.services.demo_mailbox import DemoMailbox
    from desktop.services.mail_types import MailFailure, TemporaryMailError

    ctx = prepare_context(tmp_path, LocalSettings(), secrets=MemorySecretStore(), workspace="clinic")
    try:
        message = EmailMessage()
        message["To"] = "patient@example.jp"
        with pytest.raises(TemporaryMailError) as raised:
            mail_transport_for(ctx).send(message)
        assert raised.value.failure is MailFailure.NOT_CONFIGURED
        assert not (tmp_path / "mailbox").exists()
    finally:
        ctx.close()
    demo = prepare_context(tmp_path, LocalSettings(), secrets=MemorySecretStore(), workspace="demo")
    try:
        assert isinstance(mail_transport_for(demo), DemoMailbox)
    finally:
        demo.close()
