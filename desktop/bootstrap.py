"""The one place that builds the service graph from this PC's settings (concrete classes live here).

The desktop app, the stand-alone checkout server and the tests all call ``bootstrap``; tests
pass their own clock, secret store or mail transport, as ``cosmicpython``'s bootstrap takes fakes.
The Qt layer is added on top by ``desktop.app`` and receives only ``AppContext.actions``.
"""

from __future__ import annotations

import datetime as dt
import logging
import pathlib
import ssl
from typing import Callable

from desktop.config import LocalSettings
from desktop.domain.clinic import PaymentMode
from desktop.services.actions import DeskActions
from desktop.services.audit_log import AuditLogService
from desktop.services.billing import BillingService
from desktop.services.booking import BookingService
from desktop.services.context import AppContext, Clock
from desktop.services.demo import ensure_demo_data
from desktop.services.demo_mailbox import DemoMailbox
from desktop.services.directory import DirectoryService
from desktop.services.front_desk import FrontDeskQueries
from desktop.services.history import HistoryService
from desktop.services.mail_compose import MailComposer
from desktop.services.mail_types import MailTransport
from desktop.services.outbox import OutboxSender
from desktop.services.payment_setup import GatewayProvider
from desktop.services.runner import BackgroundRunner
from desktop.services.secrets import SMTP_PASSWORD, KeyringSecretStore, SecretStore
from desktop.services.settings_service import SettingsService
from desktop.services.smtp_transport import SmtpSettings, SmtpTransport
from desktop.services.staff import StaffService
from desktop.services.tenants import TenantService
from desktop.storage import migrate
from desktop.storage.db import create_db_engine
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def mail_transport_for(ctx: AppContext, *, ssl_context: ssl.SSLContext | None = None) -> MailTransport:
    """デモ: the local mailbox; otherwise the clinic's SMTP server (password from the keyring)."""
    clinic = ctx.clinic()
    if clinic is None or clinic.payment_mode is PaymentMode.DEMO or not clinic.smtp_host:
        return DemoMailbox(ctx.data_dir / "mailbox")
    settings = SmtpSettings(
        host=clinic.smtp_host, port=clinic.smtp_port,
        security=clinic.smtp_security if clinic.smtp_security in ("starttls", "ssl", "none") else "starttls",  # type: ignore[arg-type]
        username=clinic.smtp_username or None, password=ctx.secrets.get(SMTP_PASSWORD),
        from_address=clinic.email,
    )
    return SmtpTransport(settings, ssl_context=ssl_context)


def bootstrap(
    data_dir: pathlib.Path,
    settings: LocalSettings | None = None,
    *,
    secrets: SecretStore | None = None,
    clock: Clock = _utcnow,
    payjp_timeout: float = 30.0,
    transport: Callable[[], MailTransport] | None = None,
) -> AppContext:
    """Open (and migrate) the database and build every service of the installation.

    Args:
        data_dir: this PC's data directory (created if missing): settings, SQLite file, デモ mailbox.
        settings: this PC's settings; default: read from ``data_dir``.
        secrets: where API keys and passwords live; default: the OS keyring.
        clock: now, as an aware UTC datetime.
        payjp_timeout: seconds one PAY.JP call may take.
        transport: builds the mail transport for each sending round; default: デモ mailbox or SMTP,
            as the clinic's settings say.

    Returns the graph; ``close()`` it when done. Raises what the database driver raises when
    the database cannot be opened or migrated.
    """
    settings = settings or LocalSettings.load(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url(data_dir))
    migrate.upgrade(engine)
    db = Database(engine)
    secret_store: SecretStore = secrets or KeyringSecretStore()
    gateways = GatewayProvider(secret_store, timeout=payjp_timeout)
    ctx_ref: list[AppContext] = []
    outbox = OutboxSender(db, transport or (lambda: mail_transport_for(ctx_ref[0])), clock)
    directory = DirectoryService(db, clock=clock)
    billing = BillingService(db, gateways, MailComposer(), clock=clock)
    booking = BookingService(db, directory, billing)
    tenants = TenantService(db, gateways, clock=clock)
    settings_service = SettingsService(db, secret_store, gateways, directory, tenants, clock=clock)
    queries = FrontDeskQueries(db)
    history = HistoryService(db)
    staff = StaffService(db, clock=clock)
    runner = BackgroundRunner()
    actions = DeskActions(runner=runner, billing=billing, booking=booking, directory=directory,
                          settings=settings_service, queries=queries, history=history, outbox=outbox,
                          mailbox_dir=data_dir / "mailbox", staff=staff, audit=AuditLogService(db))
    ctx = AppContext(
        data_dir=data_dir, settings=settings, db=db, secrets=secret_store, gateways=gateways,
        directory=directory, billing=billing, booking=booking, tenants=tenants,
        settings_service=settings_service, queries=queries, history=history, outbox=outbox,
        runner=runner, actions=actions, clock=clock, staff=staff,
    )
    ctx_ref.append(ctx)
    return ctx


build_context = bootstrap


def prepare_context(data_dir: pathlib.Path, settings: LocalSettings | None = None, *,
                    secrets: SecretStore | None = None) -> AppContext:
    """``bootstrap``, then seed the デモ clinic on a fresh install (blocking; before the loop starts)."""
    ctx = bootstrap(data_dir, settings, secrets=secrets)
    if ensure_demo_data(ctx) is not None:
        ctx.settings.save(data_dir)
        log.info("fresh data directory %s: demo clinic created", data_dir)
    return ctx
