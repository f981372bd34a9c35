"""The service graph of one installation, as ``desktop.bootstrap`` built it.

A plain record of built objects: it constructs nothing itself. The desktop app hands the UI
only ``actions`` (a ``DeskActions``); the checkout web app and the tests take the whole record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
from typing import TYPE_CHECKING, Callable

from desktop.config import LocalSettings
from desktop.services.daily_close import DailyCloseService
from desktop.services.billing import BillingService
from desktop.services.booking import BookingService
from desktop.services.directory import DirectoryService
from desktop.services.key_proof import KeyProofService
from desktop.services.live_check import LiveCheckRecorder, LiveCheckService
from desktop.services.front_desk import FrontDeskQueries
from desktop.services.history import HistoryService
from desktop.services.outbox import OutboxSender
from desktop.services.payment_setup import GatewayProvider
from desktop.services.runner import BackgroundRunner
from desktop.services.secrets import SecretStore
from desktop.services.setup import SetupService
from desktop.services.staff import StaffService
from desktop.services.tenants import TenantService
from desktop.storage.orm import Clinic
from desktop.storage.unit_of_work import Database

if TYPE_CHECKING:  # settings_service imports the checkout package, which reads this module
    from desktop.services.actions import DeskActions
    from desktop.services.settings_service import SettingsService

Clock = Callable[[], dt.datetime]


@dataclasses.dataclass
class AppContext:
    """Everything below the UI, built once at start by ``desktop.bootstrap.bootstrap``."""

    data_dir: pathlib.Path
    settings: LocalSettings
    db: Database
    secrets: SecretStore
    gateways: GatewayProvider
    directory: DirectoryService
    billing: BillingService
    booking: BookingService
    tenants: TenantService
    settings_service: SettingsService
    queries: FrontDeskQueries
    history: HistoryService
    outbox: OutboxSender
    runner: BackgroundRunner
    actions: DeskActions
    clock: Clock
    setup: SetupService
    staff: StaffService
    daily_close: DailyCloseService
    live_check: LiveCheckService
    live_recorder: LiveCheckRecorder
    key_proofs: KeyProofService
    workspace: str = "clinic"  # "clinic" (the clinic's database) or "demo" (トレーニング, its own file)
    first_run: bool = False  # nothing chosen yet: the demo is open and the first-run choice is asked
    demo_api_base: str | None = None  # set once the in-process simulator listens

    @property
    def training(self) -> bool:
        """The demo database is open: simulator and demo mailbox only, nothing reaches the clinic."""
        return self.workspace == "demo"

    def clinic(self) -> Clinic | None:
        """The clinic of this installation (the first one)."""
        from sqlalchemy import select

        with self.db.uow(readonly=True) as uow:
            return uow.session.scalars(select(Clinic).order_by(Clinic.id).limit(1)).first()

    def close(self) -> None:
        """Stop the thread pools (without waiting for a stuck network call) and close the database."""
        self.runner.shutdown()
        self.db.dispose()


def set_demo_api_base(ctx: AppContext, base_url: str | None) -> None:
    """Point デモ mode at the running simulator (``base_url`` like ``http://127.0.0.1:PORT``)."""
    ctx.demo_api_base = base_url
    ctx.gateways.demo_api_base = base_url
