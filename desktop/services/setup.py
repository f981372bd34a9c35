"""The clinic's first-run setup: what is still missing, and where the setup was left.

The wizard's steps and the checklist on 決済会社設定 read one ``SetupStatus``: an item per
step, each either done or naming what to do (a code the screens translate). Nothing here saves
a clinic setting: the steps save through ``SettingsService`` / ``TenantService`` as 接続設定 does;
this service only keeps the progress (``setup_progress``: the step to resume at, the last
テスト送信 the SMTP server accepted, when the setup was finished).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Callable
from urllib.parse import urlsplit

from sqlalchemy import select

from desktop.domain.clinic import PaymentMode, ReviewStatus, StaffRole
from desktop.domain.errors import NotFoundError
from desktop.domain.staff import Actor, Permission
from desktop.services.authz import authorize
from desktop.services.secrets import SecretStore, payjp_secret_name
from desktop.services import audit
from desktop.storage.orm import Clinic, SetupProgress, Staff
from desktop.storage.unit_of_work import Database

FIRST_MANAGER_NAME = "管理者"  # the first 管理者 of a new clinic, renamed by the staff settings


class SetupStep(str, enum.Enum):
    """The setup's steps, in the wizard's order (the checklist shows the same items)."""

    CLINIC = "clinic"  # クリニック情報
    MAIL = "mail"  # メール送信（SMTP とテスト送信）
    CHECKOUT_URL = "checkout_url"  # 決済ページの公開URL
    PAYJP_KEYS = "payjp_keys"  # PAY.JP の APIキー
    TENANT = "tenant"  # テナント登録 and 審査


class Todo(str, enum.Enum):
    """What a checklist item still needs (the screens show a sentence for each)."""

    CLINIC_DETAILS = "clinic_details"  # some required clinic detail is empty (``missing`` names them)
    SMTP_SERVER = "smtp_server"  # no SMTP server saved
    TEST_MAIL = "test_mail"  # no テスト送信 accepted since the server was saved
    PUBLIC_URL = "public_url"  # empty, or not https on a public host
    PAYJP_KEYS = "payjp_keys"  # public key or this PC's secret key missing for テスト/本番
    TENANT_REGISTER = "tenant_register"  # no tenant yet
    TENANT_REVIEW = "tenant_review"  # registered, review not approved (``review`` says where it is)


@dataclasses.dataclass(frozen=True)
class ChecklistItem:
    """One line of the checklist: ``todo`` is None when the step is done."""

    step: SetupStep
    todo: Todo | None
    missing: tuple[str, ...] = ()  # clinic fields still empty (CLINIC_DETAILS), e.g. ("phone",)
    review: ReviewStatus | None = None  # the tenant's 審査状況 (TENANT_REVIEW)

    @property
    def done(self) -> bool:
        return self.todo is None


@dataclasses.dataclass(frozen=True)
class SetupStatus:
    """The setup of one clinic: ``items`` in step order, the step to resume at, finished or not."""

    items: tuple[ChecklistItem, ...]
    current_step: SetupStep
    finished: bool
    started: bool = False  # the setup was begun from the first-run choice (an older install was not)

    @property
    def complete(self) -> bool:
        """Every item is done."""
        return all(item.done for item in self.items)

    def item(self, step: SetupStep) -> ChecklistItem:
        return next(i for i in self.items if i.step is step)


REQUIRED_CLINIC_FIELDS = ("name", "representative", "address", "phone", "email")
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _public_url_ok(url: str) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme == "https" and bool(parts.hostname) and parts.hostname not in _LOCAL_HOSTS


class SetupService:
    """Progress and checklist of the first-run setup (blocking; run it in the db pool).

    Args:
        db: the clinic's database.
        secrets: this PC's keyring (whether the PAY.JP secret key is stored; never read out).
        clock: now, as an aware UTC datetime.
    """

    def __init__(self, db: Database, secrets: SecretStore, *, clock: Callable[[], dt.datetime]) -> None:
        self._db = db
        self._secrets = secrets
        self._clock = clock

    def start_clinic(self) -> int:
        """The clinic to set up: a blank one in テストモード with one 管理者, unless the database has one.

        Returns the clinic's id (the existing one when there is one). The first 管理者 is named
        ``FIRST_MANAGER_NAME`` until the staff settings rename it.
        """
        with self._db.uow() as uow:
            existing = uow.session.scalars(select(Clinic.id).order_by(Clinic.id).limit(1)).first()
            if existing is not None:
                return int(existing)
            clinic = Clinic(name="", payment_mode=PaymentMode.TEST)
            uow.session.add(clinic)
            uow.session.flush()
            uow.session.add(Staff(clinic_id=clinic.id, name=FIRST_MANAGER_NAME, role=StaffRole.MANAGER))
            uow.session.add(SetupProgress(clinic_id=clinic.id, current_step=SetupStep.CLINIC.value))
            uow.commit()
            return clinic.id

    def status(self, clinic_id: int) -> SetupStatus:
        """What is done and what is missing. Raises ``NotFoundError`` for an unknown clinic."""
        with self._db.uow(readonly=True) as uow:
            c = uow.session.get(Clinic, clinic_id)
            if c is None:
                raise NotFoundError()
            progress = uow.session.get(SetupProgress, clinic_id)
            missing = tuple(f for f in REQUIRED_CLINIC_FIELDS if not str(getattr(c, f) or "").strip())
            items = [ChecklistItem(SetupStep.CLINIC, Todo.CLINIC_DETAILS if missing else None, missing)]
            if not c.smtp_host:
                items.append(ChecklistItem(SetupStep.MAIL, Todo.SMTP_SERVER))
            elif c.test_mail_accepted_at is None:
                items.append(ChecklistItem(SetupStep.MAIL, Todo.TEST_MAIL))
            else:
                items.append(ChecklistItem(SetupStep.MAIL, None))
            items.append(ChecklistItem(SetupStep.CHECKOUT_URL,
                                       None if _public_url_ok(c.public_base_url) else Todo.PUBLIC_URL))
            mode = c.payment_mode if c.payment_mode is not PaymentMode.DEMO else PaymentMode.TEST
            keys = bool(c.payjp_public_key) and bool(self._secrets.get(payjp_secret_name(mode.value)))
            items.append(ChecklistItem(SetupStep.PAYJP_KEYS,
                                       None if keys and c.payment_mode is not PaymentMode.DEMO else Todo.PAYJP_KEYS))
            if not c.payjp_tenant_id:
                items.append(ChecklistItem(SetupStep.TENANT, Todo.TENANT_REGISTER))
            elif c.review_status is not ReviewStatus.APPROVED:
                items.append(ChecklistItem(SetupStep.TENANT, Todo.TENANT_REVIEW, review=c.review_status))
            else:
                items.append(ChecklistItem(SetupStep.TENANT, None))
            current = SetupStep.CLINIC
            if progress is not None and progress.current_step in SetupStep._value2member_map_:
                current = SetupStep(progress.current_step)
            return SetupStatus(tuple(items), current, progress is not None and progress.finished_at is not None,
                               started=progress is not None)

    def _progress(self, uow_session: object, clinic_id: int) -> SetupProgress:
        from sqlalchemy.orm import Session

        assert isinstance(uow_session, Session)
        row = uow_session.get(SetupProgress, clinic_id)
        if row is None:
            row = SetupProgress(clinic_id=clinic_id, current_step=SetupStep.CLINIC.value)
            uow_session.add(row)
        return row

    def set_step(self, actor: Actor, clinic_id: int, step: SetupStep) -> None:
        """Remember ``step`` as the one to resume at (管理者 only).

        Only where the wizard stands, no setting of the clinic: it writes no audit event.

        Raises:
            PermissionDeniedError: the actor is not an active 管理者 of the clinic.
            NotFoundError: the clinic is not the actor's.
        """
        with self._db.uow() as uow:
            authorize(uow.session, actor, Permission.SETTINGS, clinic_id=clinic_id)
            self._progress(uow.session, clinic_id).current_step = step.value
            uow.commit()

    def finish(self, actor: Actor, clinic_id: int) -> None:
        """完了 (管理者 only): the wizard is closed for good (the checklist stays on 決済会社設定 while
        items are missing). One audit event ``setup_finished``.

        Raises:
            PermissionDeniedError: the actor is not an active 管理者 of the clinic.
            NotFoundError: the clinic is not the actor's.
        """
        with self._db.uow() as uow:
            authorize(uow.session, actor, Permission.SETTINGS, clinic_id=clinic_id)
            row = self._progress(uow.session, clinic_id)
            before = row.finished_at.isoformat() if row.finished_at is not None else None
            row.finished_at = self._clock()
            audit.record(uow.session, clinic_id=clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="setup_finished", entity_type="clinic", entity_id=clinic_id,
                         before={"finished_at": before}, after={"finished_at": row.finished_at.isoformat()})
            uow.commit()
