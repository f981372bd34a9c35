"""Small builders for test data (a clinic with staff, patient, menu and reservation)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from desktop.domain.billing import BillingState, TaxCategory
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from desktop.domain.clinic import PaymentMode, PaymentTiming, ReviewStatus, StaffRole
from desktop.domain.staff import Actor
from desktop.services.directory import ClinicUpdate, DirectoryService, MenuInput
from desktop.services.staff import StaffService
from desktop.storage.orm import BillingRequest
from desktop.storage.unit_of_work import Database


# The seeded clinic's PAY.JP tenant: テスト and 本番 take card payment only with one (tests that
# reach the simulator create it there first, see tests/integration/conftest.py).
SEED_TENANT = "clinicpay-seed-yamada"
_NO_TENANT = object()

FAST_HASHER = PasswordHasher.from_parameters(CHEAPEST)  # argon2id, cheap: tests hash many passwords
PASSWORDS = {"manager": "manager-pass-2026", "staff": "uketsuke-pass-2026", "accountant": "keiri-pass-2026"}
PINS = {"manager": "1111", "staff": "2222", "accountant": "3333"}


def staff_service(db: Database, **kwargs: object) -> StaffService:
    """A ``StaffService`` with a cheap argon2id hasher."""
    return StaffService(db, hasher=FAST_HASHER, **kwargs)  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class Front:
    clinic_id: int
    staff: Actor  # 受付 佐藤
    manager: Actor  # 院長 山田
    accountant: Actor  # 経理 鈴木
    patient_id: int
    menu_id: int
    reservation_id: int

    @property
    def staff_id(self) -> int:
        return self.staff.staff_id

    @property
    def manager_id(self) -> int:
        return self.manager.staff_id


def seed_front_desk(
    db: Database,
    *,
    email: str | None = "hanako@example.jp",
    public_base_url: str = "http://127.0.0.1:8470",
    public_key: str = "pk_test_0123456789abcdef",
    tenant_id: str | None | object = _NO_TENANT,
    timing: PaymentTiming = PaymentTiming.POST,
    mode: PaymentMode = PaymentMode.TEST,
) -> Front:
    directory = DirectoryService(db)
    clinic_id = directory.create_clinic(
        name="やまだ内科クリニック", email="info@yamada-clinic.example.jp", phone="03-1234-5678",
        address="東京都千代田区1-1-1", public_base_url=public_base_url,
    )
    accounts = staff_service(db)
    manager = accounts.create_first_manager(clinic_id, "院長 山田", PASSWORDS["manager"], PINS["manager"])
    staff_id = accounts.add_staff(manager, "受付 佐藤", StaffRole.STAFF, PASSWORDS["staff"], PINS["staff"])
    accountant_id = accounts.add_staff(manager, "経理 鈴木", StaffRole.ACCOUNTANT, PASSWORDS["accountant"],
                                       PINS["accountant"])
    staff = Actor(staff_id, clinic_id, StaffRole.STAFF, "受付 佐藤")
    accountant = Actor(accountant_id, clinic_id, StaffRole.ACCOUNTANT, "経理 鈴木")
    directory.update_clinic(manager, clinic_id, ClinicUpdate(
        payment_mode=mode, payment_company="PAYJP", review_status=ReviewStatus.APPROVED,
        payjp_public_key=public_key,
        payjp_tenant_id=(None if mode is PaymentMode.DEMO else SEED_TENANT) if tenant_id is _NO_TENANT else tenant_id,  # type: ignore[arg-type]
    ))
    patient_id = directory.add_patient(
        staff, clinic_id, family_name="山田", given_name="花子", email=email, phone="090-1111-2222", sex="女性",
        address="東京都新宿区2-2-2",
    )
    menu_id = directory.save_menu(manager, clinic_id, MenuInput(name="オンライン診療 (後決済)", price=1200, payment_timing=timing))
    reservation_id = directory.create_reservation(
        staff, clinic_id, patient_id=patient_id, menu_id=menu_id,
        starts_at=dt.datetime(2026, 11, 2, 5, 54, tzinfo=dt.timezone.utc), attachments=["問診票.pdf"],
    )
    return Front(clinic_id, staff, manager, accountant, patient_id, menu_id, reservation_id)


def seed_paid_request(db: Database) -> int:
    front = seed_front_desk(db)
    now = dt.datetime.now(dt.timezone.utc)
    with db.uow() as uow:
        req = BillingRequest(
            clinic_id=front.clinic_id, reservation_id=front.reservation_id, patient_id=front.patient_id,
            staff_id=front.staff_id, amount=1200, tax_category=TaxCategory.TAXABLE, state=BillingState.PAID,
            paid_at=now, charge_id="ch_seed", requested_at=now,
        )
        uow.session.add(req)
        uow.commit()
        return req.id
