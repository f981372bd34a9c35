"""The one place that builds the service graph from this PC's settings (concrete classes live here).

The desktop app, the stand-alone checkout server and the tests all call ``bootstrap``; tests
pass their own clock, secret store or mail transport, as ``cosmicpython``'s bootstrap takes fakes.
The Qt layer is added on top by ``desktop.app`` and receives only ``AppContext.actions``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import pathlib

import httpx
import ssl
from typing import Callable

from desktop.config import CLINIC, DEMO, DEMO_DATABASE_FILE, LocalSettings
from desktop.domain.clinic import PaymentMode
from desktop.services.actions import DeskActions
from desktop.services.audit_log import AuditLogService
from desktop.services.billing import BillingService
from desktop.services.booking import BookingService
from desktop.services.context import AppContext, Clock
from desktop.services.demo import ensure_demo_data, is_untouched_seed
from desktop.services.demo_mailbox import DemoMailbox
from desktop.services.directory import DirectoryService
from desktop.services.attention import AttentionQueries
from desktop.services.daily_close import DailyCloseService
from desktop.services.front_desk import FrontDeskQueries
from desktop.services.live_check import LiveCheckRecorder, LiveCheckService
from desktop.services.go_live import GoLiveService, KeyPairProbe, payjp_key_prober, payjp_token_reader
from desktop.services.key_proof import KeyProofService
from desktop.services.history import HistoryService
from desktop.services.mail_compose import MailComposer
from desktop.services.mail_types import MailTransport, UnconfiguredTransport
from desktop.services.outbox import OutboxSender
from desktop.services.payment_setup import GatewayProvider
from desktop.services.runner import BackgroundRunner
from desktop.services.secrets import SMTP_PASSWORD, KeyringSecretStore, SecretStore
from desktop.services.settings_service import SettingsService
from desktop.services.setup import SetupService
from desktop.services.smtp_transport import SmtpSettings, SmtpTransport
from desktop.services.staff import StaffService
from desktop.services.tenants import TenantService
from desktop.domain.errors import DatabaseBusyError
from desktop.storage import migrate
from desktop.storage.db import create_db_engine
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def mail_transport_for(ctx: AppContext, *, ssl_context: ssl.SSLContext | None = None) -> MailTransport:
    """デモ and トレーニング: the local mailbox; otherwise the clinic's SMTP server (password from the keyring).

    A clinic in テスト / 本番 without an SMTP server keeps its mails in the outbox (``UnconfiguredTransport``):
    a real patient's mail never lands in the demo mailbox.
    """
    clinic = ctx.clinic()
    if ctx.training or clinic is None or clinic.payment_mode is PaymentMode.DEMO:
        return DemoMailbox(ctx.data_dir / "mailbox")
    if not clinic.smtp_host:
        return UnconfiguredTransport()
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
    workspace: str = CLINIC,
    http_client: Callable[[], httpx.Client] | None = None,
    prove_keys: KeyPairProbe | None = None,
) -> AppContext:
    """Open (and migrate) one database and build every service of the installation over it.

    Args:
        data_dir: this PC's data directory (created if missing): settings, SQLite file, デモ mailbox.
        settings: this PC's settings; default: read from ``data_dir``.
        secrets: where API keys and passwords live; default: the OS keyring.
        clock: now, as an aware UTC datetime.
        payjp_timeout: seconds one PAY.JP call may take.
        transport: builds the mail transport for each sending round; default: デモ mailbox or SMTP,
            as the clinic's settings say.
        workspace: ``"clinic"`` (the clinic's database) or ``"demo"`` (the demo's own SQLite file,
            for トレーニング: the simulator and the demo mailbox only, whatever mode its clinic row
            says; no key is read from the keyring and no test mail is sent).
        http_client: builds the HTTP client the 本番 checks reach the public URL with (default:
            httpx with the system's certificate checks).
        prove_keys: the live key-pair proof (default: a token made with the public key, read back
            with the secret key at PAY.JP).

    Returns the graph; ``close()`` it when done. Raises what the database driver raises when
    the database cannot be opened or migrated.
    """
    settings = settings or LocalSettings.load(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    training = workspace == DEMO
    engine = create_db_engine(settings.workspace_url(data_dir, workspace))
    migrate.upgrade(engine)
    db = Database(engine)
    secret_store: SecretStore = secrets or KeyringSecretStore()
    gateways = GatewayProvider(secret_store, timeout=payjp_timeout, demo_only=training)
    ctx_ref: list[AppContext] = []
    outbox = OutboxSender(db, transport or (lambda: mail_transport_for(ctx_ref[0])), clock)
    directory = DirectoryService(db, clock=clock)
    billing = BillingService(db, gateways, MailComposer(), clock=clock)
    booking = BookingService(db, directory, billing)
    tenants = TenantService(db, gateways, clock=clock)
    settings_service = SettingsService(db, secret_store, gateways, directory, tenants, clock=clock, training=training)
    setup = SetupService(db, secret_store, clock=clock)
    live_check = LiveCheckService(db, directory, billing, clock)
    key_proofs = KeyProofService(db, gateways.live_script, clock)
    go_live = GoLiveService(
        db, secret_store, settings_service,
        prove_keys=prove_keys or payjp_key_prober(lambda: gateways.live_api_base, timeout=payjp_timeout),
        http=http_client or (lambda: httpx.Client(follow_redirects=False)), clock=clock,
        live_check_passed=live_check.last_pass, key_proofs=key_proofs,
        token_exists=payjp_token_reader(lambda: gateways.live_api_base, timeout=payjp_timeout))
    queries = FrontDeskQueries(db)
    history = HistoryService(db)
    staff = StaffService(db, clock=clock)
    daily_close = DailyCloseService(db, clock=clock)
    runner = BackgroundRunner()
    actions = DeskActions(runner=runner, billing=billing, booking=booking, directory=directory,
                          settings=settings_service, go_live=go_live, queries=queries, history=history,
                          outbox=outbox, mailbox_dir=data_dir / "mailbox", setup=setup, staff=staff,
                          audit=AuditLogService(db), attention=AttentionQueries(db, clock=clock),
                          daily_close=daily_close, live_check=live_check, key_proofs=key_proofs)
    ctx = AppContext(
        data_dir=data_dir, settings=settings, db=db, secrets=secret_store, gateways=gateways,
        directory=directory, billing=billing, booking=booking, tenants=tenants,
        settings_service=settings_service, queries=queries, history=history, outbox=outbox,
        runner=runner, actions=actions, clock=clock, setup=setup, workspace=workspace, staff=staff,
        daily_close=daily_close,
        live_check=live_check, live_recorder=LiveCheckRecorder(db, clock), key_proofs=key_proofs,
    )
    ctx_ref.append(ctx)
    return ctx


build_context = bootstrap


def adopt_existing_install(data_dir: pathlib.Path, settings: LocalSettings, *,
                           secrets: SecretStore | None = None) -> str:
    """Which database an install that never chose one opens: ``"clinic"``, or ``""`` (ask: first run).

    Earlier versions kept the demo in the clinic's database. The rule, chosen so that nothing a
    clinic entered is ever moved or hidden:

    * no clinic database, or one without a clinic: ``""`` — a fresh install, the first-run choice;
    * a SQLite ``clinicpay.db`` holding only the untouched demo seed (``is_untouched_seed``), and
      no ``demo.db`` yet: the file is renamed to ``demo.db`` (it becomes the demo) and ``""``;
    * anything else (a clinic in テスト/本番, a billing request, a patient not of the seed, a
      PostgreSQL database): ``"clinic"`` — it stays the clinic's database and opens as before.

    The answer ``"clinic"`` is saved in ``settings.json``.
    """
    url = settings.resolved_database_url(data_dir)
    legacy_file = data_dir / "clinicpay.db"
    if not settings.database_url and not legacy_file.exists():
        return ""
    ctx = bootstrap(data_dir, settings, secrets=secrets, workspace=CLINIC)
    try:
        if ctx.clinic() is None:
            return ""
        seed_only = not settings.database_url and is_untouched_seed(ctx.db)
    finally:
        ctx.close()
    demo_file = data_dir / DEMO_DATABASE_FILE
    if seed_only and not demo_file.exists():
        for suffix in ("", "-wal", "-shm"):
            part = data_dir / ("clinicpay.db" + suffix)
            if part.exists():
                part.replace(data_dir / (DEMO_DATABASE_FILE + suffix))
        log.info("the demo clinic's database became the demo database (%s)", DEMO_DATABASE_FILE)
        return ""
    log.info("existing clinic database kept as the clinic's (%s)", url.split("://", 1)[0])
    settings.workspace = CLINIC
    settings.save(data_dir)
    return CLINIC


BUSY_RETRY_DELAYS = (1.0, 2.0, 4.0)  # seconds between start-up tries while the database is locked


def prepare_context(data_dir: pathlib.Path, settings: LocalSettings | None = None, *,
                    secrets: SecretStore | None = None, workspace: str | None = None,
                    http_client: Callable[[], httpx.Client] | None = None,
                    prove_keys: KeyPairProbe | None = None,
                    busy_retry_delays: tuple[float, ...] = BUSY_RETRY_DELAYS) -> AppContext:
    """``bootstrap`` the database this PC opens (blocking: the app calls it in a worker thread behind
    its 起動中 window, ``desktop.launch``; a switch of workspace in its database thread pool).

    ``workspace`` (default: the settings' choice; on a first run the rule of
    ``adopt_existing_install``) is ``"clinic"`` or ``"demo"``. The demo database is seeded with
    the demo clinic when empty; the clinic's gets a blank clinic to set up when empty. On a first
    run (nothing chosen yet) the demo opens and ``ctx.first_run`` is True.

    A database locked by another PC or program (SQLite past its busy timeout) is tried again
    after each of ``busy_retry_delays`` seconds.

    Raises:
        DatabaseBusyError: still locked after the last try (the caller tells the person and
            offers to try again).
    """
    for delay in (*busy_retry_delays, None):
        try:
            return _open(data_dir, settings, secrets=secrets, workspace=workspace, http_client=http_client,
                         prove_keys=prove_keys)
        except DatabaseBusyError:
            if delay is None:
                raise
            log.info("database busy at start-up; trying again in %.0f s", delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _open(data_dir: pathlib.Path, settings: LocalSettings | None, *, secrets: SecretStore | None,
          workspace: str | None, http_client: Callable[[], httpx.Client] | None,
          prove_keys: KeyPairProbe | None) -> AppContext:
    settings = settings or LocalSettings.load(data_dir)
    first_run = False
    if workspace is None:
        workspace = settings.workspace or adopt_existing_install(data_dir, settings, secrets=secrets)
        if not workspace:
            first_run, workspace = True, DEMO
    ctx = bootstrap(data_dir, settings, secrets=secrets, workspace=workspace, http_client=http_client,
                    prove_keys=prove_keys)
    ctx.first_run = first_run
    try:
        if workspace == DEMO:
            staff_before = ctx.settings.staff_id
            if ensure_demo_data(ctx) is not None:
                log.info("demo database created in %s", data_dir)
            if ctx.settings.staff_id != staff_before:
                ctx.settings.save(data_dir)
        else:
            ctx.setup.start_clinic()
    except BaseException:
        ctx.close()
        raise
    return ctx
