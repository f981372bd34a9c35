"""The clinic as a PAY.JP Platform tenant (Marketplace type): テナント登録 and 審査状況."""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from desktop.domain.clinic import CareType, ReviewStatus
from desktop.domain.errors import NotFoundError, ValidationError
from desktop.domain.labels import REVIEW_LABELS, label
from desktop.domain.staff import Actor, Permission
from desktop.services import audit
from desktop.services.authz import authorize
from desktop.services.payjp_gateway import PayjpGateway
from desktop.storage.repositories import load_clinic
from desktop.storage.orm import Clinic
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
DEFAULT_PLATFORM_FEE_RATE = "1.00"  # percent kept by the platform until its operator sets another
MAX_PLATFORM_FEE_RATE = decimal.Decimal("95")
_FEE_RATE = re.compile(r"^\d{1,3}(\.\d{1,2})?$")


def parse_platform_fee_rate(text: str) -> str:
    """The platform fee rate typed on 決済会社設定 as PAY.JP's ``platform_fee_rate`` string.

    ``text`` is a percentage (``"1"``, ``"3.5"``, ``"10.15"``; full-width digits and a trailing
    ``%`` are accepted). Returned with two decimals (``"3.50"``). PAY.JP accepts at most two
    decimals, from 0 up to 95 (PAY.JP API reference, テナントを作成 / 更新: ``platform_fee_rate``).

    Raises ``ValidationError("platform_fee_rate_invalid", field="platform_fee_rate")``.
    """
    raw = unicodedata.normalize("NFKC", text or "").strip().removesuffix("%").strip()
    if not _FEE_RATE.fullmatch(raw):
        raise ValidationError("platform_fee_rate_invalid", field="platform_fee_rate")
    value = decimal.Decimal(raw)
    if not 0 <= value <= MAX_PLATFORM_FEE_RATE:
        raise ValidationError("platform_fee_rate_invalid", field="platform_fee_rate")
    return f"{value:.2f}"


class _ReviewLabels(Mapping[ReviewStatus, str]):
    """審査状況 names in one language, read from the gettext catalog when looked up."""

    def __init__(self, lang: str) -> None:
        self._lang = lang

    def __getitem__(self, status: ReviewStatus) -> str:
        return label(status, self._lang)

    def __iter__(self) -> Iterator[ReviewStatus]:
        return iter(REVIEW_LABELS)

    def __len__(self) -> int:
        return len(REVIEW_LABELS)


# Older names of the review labels (the desktop pages read them).
REVIEW_LABELS_JA: Mapping[ReviewStatus, str] = _ReviewLabels("ja")
REVIEW_LABELS_EN: Mapping[ReviewStatus, str] = _ReviewLabels("en")


def review_status_from_brands(brands: list[Mapping[str, Any]] | None, current: ReviewStatus) -> ReviewStatus:
    """審査状況 from the tenant's ``reviewed_brands`` (passed / in_review / declined per brand)."""
    statuses = {str(b.get("status")) for b in brands or []}
    if not statuses:
        return current
    if "passed" in statuses:
        return ReviewStatus.APPROVED  # cards of the passed brands can be taken
    if "in_review" in statuses:
        return ReviewStatus.IN_REVIEW
    if statuses == {"declined"}:
        return ReviewStatus.DECLINED
    return current


class TenantService:
    """Register the clinic with PAY.JP and follow its review."""

    def __init__(self, db: Database, gateway_for: Callable[[Clinic], PayjpGateway],
                 *, clock: Clock = lambda: dt.datetime.now(dt.timezone.utc)) -> None:
        self._db = db
        self._gateway_for = gateway_for
        self._clock = clock

    def _clinic(self, clinic_id: int) -> Clinic:
        return load_clinic(self._db, clinic_id)

    def register(self, clinic_id: int, actor: Actor, care_type: CareType) -> str:
        """テナントを登録する (管理者 only): create the tenant (once) and return its application page URL.

        Raises: PermissionDeniedError before anything is sent to PAY.JP; what the gateway raises.
        """
        with self._db.uow(readonly=True) as uow:
            authorize(uow.session, actor, Permission.SETTINGS, clinic_id=clinic_id)
        staff_id = actor.staff_id
        clinic = self._clinic(clinic_id)
        gateway = self._gateway_for(clinic)
        tenant_id = clinic.payjp_tenant_id
        created = not tenant_id
        if not tenant_id:
            tenant = gateway.create_tenant(
                tenant_id=f"clinicpay-{clinic_id}-{secrets.token_hex(4)}", name=clinic.name,
                platform_fee_rate=clinic.platform_fee_rate or DEFAULT_PLATFORM_FEE_RATE,
                metadata={"clinicpay_clinic": str(clinic_id), "care_type": care_type.value},
            )
            tenant_id = str(tenant["id"])
        url, _expires = gateway.create_application_url(tenant_id)
        with self._db.uow() as uow:
            row = uow.session.get(Clinic, clinic_id)
            assert row is not None
            before = {"payjp_tenant_id": row.payjp_tenant_id, "review_status": row.review_status.value}
            row.payjp_tenant_id = tenant_id
            row.care_type = care_type
            if created or row.review_status in (ReviewStatus.NOT_APPLIED, ReviewStatus.DECLINED):
                # a new tenant starts its own review (a 承認 kept from デモ belongs to no tenant)
                row.review_status = ReviewStatus.RECEIVED
            audit.record(uow.session, clinic_id=clinic_id, actor="staff", staff_id=staff_id, action="tenant_registered",
                         entity_type="clinic", entity_id=clinic_id, before=before,
                         after={"payjp_tenant_id": tenant_id, "review_status": row.review_status.value,
                                "care_type": care_type.value})
            uow.commit()
        return url

    def set_platform_fee_rate(self, actor: Actor, clinic_id: int, rate: str) -> str:
        """Keep the platform fee rate (percent, see ``parse_platform_fee_rate``) for the clinic's tenant (管理者 only).

        A registered tenant is updated at PAY.JP first; the rate is stored only when PAY.JP took
        it (or when no tenant exists yet: it is used at テナント登録). Returns the stored string.
        Raises ``PermissionDeniedError`` before anything is sent, ``ValidationError`` for a bad
        rate (nothing sent, nothing saved) and what the gateway raises when PAY.JP refuses or
        cannot be reached (nothing saved). One audit event.
        """
        with self._db.uow(readonly=True) as uow:
            authorize(uow.session, actor, Permission.SETTINGS, clinic_id=clinic_id)
        staff_id = actor.staff_id
        value = parse_platform_fee_rate(rate)
        clinic = self._clinic(clinic_id)
        if clinic.payjp_tenant_id:
            self._gateway_for(clinic).update_tenant(clinic.payjp_tenant_id, platform_fee_rate=value)
        with self._db.uow() as uow:
            row = uow.session.get(Clinic, clinic_id)
            assert row is not None
            before = row.platform_fee_rate
            row.platform_fee_rate = value
            audit.record(uow.session, clinic_id=clinic_id, actor="staff", staff_id=staff_id,
                         action="platform_fee_rate_changed", entity_type="clinic", entity_id=clinic_id,
                         before={"platform_fee_rate": before}, after={"platform_fee_rate": value})
            uow.commit()
        return value

    def application_url(self, clinic_id: int) -> str:
        """利用申請ページに移動: a fresh one-time URL (PAY.JP's are valid for 5 minutes)."""
        clinic = self._clinic(clinic_id)
        if not clinic.payjp_tenant_id:
            raise NotFoundError()
        url, _ = self._gateway_for(clinic).create_application_url(clinic.payjp_tenant_id)
        return url

    def refresh_review(self, clinic_id: int) -> ReviewStatus:
        """更新: read the tenant's review from PAY.JP now."""
        clinic = self._clinic(clinic_id)
        if not clinic.payjp_tenant_id:
            return clinic.review_status
        tenant = self._gateway_for(clinic).retrieve_tenant(clinic.payjp_tenant_id)
        return self.apply_tenant(dict(tenant))

    def apply_tenant(self, tenant: Mapping[str, Any]) -> ReviewStatus:
        """Apply a tenant object (from a look-up or a ``tenant.updated`` webhook)."""
        tenant_id = str(tenant.get("id") or "")
        with self._db.uow() as uow:
            from sqlalchemy import select

            clinic = uow.session.scalars(select(Clinic).where(Clinic.payjp_tenant_id == tenant_id)).first()
            if clinic is None:
                raise NotFoundError()
            before = clinic.review_status
            after = review_status_from_brands(list(tenant.get("reviewed_brands") or []), before)
            clinic.review_status = after
            clinic.review_checked_at = self._clock()
            if after is not before:
                audit.record(uow.session, clinic_id=clinic.id, actor="payjp", action="review_status_changed",
                             entity_type="clinic", entity_id=clinic.id, before={"review_status": before.value},
                             after={"review_status": after.value})
            uow.commit()
            return after
