"""Builds the service graph from this PC's settings (the one place that knows concrete classes).

The desktop app, the stand-alone checkout server and the tests build the same graph; the
Qt layer is added on top by ``desktop.app``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
import ssl
from typing import Callable

from desktop.config import LocalSettings
from desktop.domain.clinic import PaymentMode
from desktop.services.billing import BillingService
from desktop.services.booking import BookingService
from desktop.services.directory import DirectoryService
from desktop.services.mail_compose import MailComposer
from desktop.services.mail_types import MailTransport
from desktop.services.outbox import OutboxSender
from desktop.services.payment_setup import GatewayProvider
from desktop.services.runner import BackgroundRunner
from desktop.services.secrets import SMTP_PASSWORD, KeyringSecretStore, SecretStore
from desktop.services.smtp_transport import SmtpSettings, SmtpTransport
from desktop.storage import migrate
from desktop.storage.db import create_db_engine
from desktop.storage.orm import Clinic
from desktop.storage.unit_of_work import Database

Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclasses.dataclass
class AppContext:
    """Everything below the UI, built once at start."""

    data_dir: pathlib.Path
    settings: LocalSettings
    db: Database
    secrets: SecretStore
    gateways: GatewayProvider
    directory: DirectoryService
    billing: BillingService
    booking: BookingService
    outbox: OutboxSender
    runner: BackgroundRunner
    clock: Clock
    demo_api_base: str | None = None  # set once the in-process simulator listens

    def clinic(self) -> Clinic | None:
        """The clinic of this installation (the first one)."""
        from sqlalchemy import select

        with self.db.uow(readonly=True) as uow:
            return uow.session.scalars(select(Clinic).order_by(Clinic.id).limit(1)).first()

    def close(self) -> None:
        self.runner.shutdown()
        self.db.dispose()


def mail_transport_for(ctx: AppContext, *, ssl_context: ssl.SSLContext | None = None) -> MailTransport:
    """デモ: the local mailbox; otherwise the clinic's SMTP server (password from the keyring)."""
    clinic = ctx.clinic()
    if clinic is None or clinic.payment_mode is PaymentMode.DEMO or not clinic.smtp_host:
        from desktop.services.demo_mailbox import DemoMailbox

        return DemoMailbox(ctx.data_dir / "mailbox")
    settings = SmtpSettings(
        host=clinic.smtp_host, port=clinic.smtp_port,
        security=clinic.smtp_security if clinic.smtp_security in ("starttls", "ssl", "none") else "starttls",  # type: ignore[arg-type]
        username=clinic.smtp_username or None, password=ctx.secrets.get(SMTP_PASSWORD),
        from_address=clinic.email,
    )
    return SmtpTransport(settings, ssl_context=ssl_context)


def build_context(
    data_dir: pathlib.Path,
    settings: LocalSettings | None = None,
    *,
    secrets: SecretStore | None = None,
    clock: Clock = _utcnow,
    payjp_timeout: float = 30.0,
    transport: Callable[[], MailTransport] | None = None,
) -> AppContext:
    """Open (and migrate) the database and wire the services."""
    settings = settings or LocalSettings.load(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url(data_dir))
    migrate.upgrade(engine)
    db = Database(engine)
    secret_store: SecretStore = secrets or KeyringSecretStore()
    gateways = GatewayProvider(secret_store, timeout=payjp_timeout)
    composer = MailComposer()
    ctx_ref: dict[str, AppContext] = {}
    sender = OutboxSender(db, transport or (lambda: mail_transport_for(ctx_ref["ctx"])), clock)
    directory = DirectoryService(db, clock=clock)
    billing = BillingService(db, gateways, composer, clock=clock)
    ctx = AppContext(
        data_dir=data_dir, settings=settings, db=db, secrets=secret_store, gateways=gateways,
        directory=directory,
        billing=billing,
        booking=BookingService(db, directory, billing),
        outbox=sender, runner=BackgroundRunner(), clock=clock,
    )
    ctx_ref["ctx"] = ctx
    return ctx


def set_demo_api_base(ctx: AppContext, base_url: str | None) -> None:
    """Point デモ mode at the running simulator."""
    ctx.demo_api_base = base_url
    ctx.gateways.demo_api_base = base_url
