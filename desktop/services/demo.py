"""Sample data for デモ mode: the demo database (トレーニング) shows a working front desk at once.

The demo lives in its own database (``desktop.config.DEMO_DATABASE_FILE``), never in the clinic's.
"""

from __future__ import annotations

import datetime as dt

from desktop.domain.billing import TaxCategory
from desktop.domain.clinic import PaymentMode, PaymentTiming, ReservationStatus, ReviewStatus
from desktop.domain.formatting import JST
from desktop.services.context import AppContext
from desktop.services.demo_accounts import DEMO_ACCOUNTS
from desktop.services.directory import ClinicUpdate, MenuInput
from desktop.storage.orm import BillingRequest, Clinic, Patient
from desktop.storage.unit_of_work import Database

DEMO_CLINIC_NAME = "さくら内科クリニック（デモ）"



_PATIENTS = [
    ("山田", "花子", "ヤマダ", "ハナコ", "女性", "hanako.yamada@example.jp", "090-1111-2222",
     "東京都新宿区西新宿2-8-1"),
    ("佐藤", "太郎", "サトウ", "タロウ", "男性", "taro.sato@example.jp", "080-3333-4444",
     "東京都渋谷区道玄坂1-2-3"),
    ("鈴木", "一郎", "スズキ", "イチロウ", "男性", "ichiro.suzuki@example.jp", "070-5555-6666",
     "神奈川県横浜市中区本町1-1"),
    ("高橋", "美咲", "タカハシ", "ミサキ", "女性", "misaki.takahashi@example.jp", "090-7777-8888",
     "埼玉県さいたま市浦和区高砂3-15-1"),
    ("田中", "健", "タナカ", "ケン", "男性", None, "03-9999-0000",
     "千葉県千葉市中央区市場町1-1"),
]


def ensure_demo_data(ctx: AppContext) -> int | None:
    """Create the demo clinic if the database has no clinic yet. Returns its id, or None."""
    if ctx.clinic() is not None:
        return None
    d = ctx.directory
    port = ctx.settings.checkout_port
    clinic_id = d.create_clinic(
        name=DEMO_CLINIC_NAME, email="info@sakura-clinic.example.jp", phone="03-1234-5678",
        postal_code="100-0005", address="東京都千代田区丸の内1-1-1", public_base_url=f"http://127.0.0.1:{port}",
    )
    first, *others = DEMO_ACCOUNTS
    actor = ctx.staff.create_first_manager(clinic_id, first.name, first.password, first.pin)
    manager = actor.staff_id
    for account in others:
        ctx.staff.add_staff(actor, account.name, account.role, account.password, account.pin)
    d.update_clinic(actor, clinic_id, ClinicUpdate(
        payment_mode=PaymentMode.DEMO, payment_company="PAYJP", review_status=ReviewStatus.APPROVED,
        representative="桜井 一郎", registration_number="T9234567890123",
    ))
    menus = [
        d.save_menu(actor, clinic_id, MenuInput(name="一般診療 (後決済)", price=0, payment_timing=PaymentTiming.POST,
                                         note="診察後に金額を確定して請求します。")),
        d.save_menu(actor, clinic_id, MenuInput(name="オンライン診療 (事前決済)", price=3300,
                                         payment_timing=PaymentTiming.PRE,
                                         confirmation_message="予約時にクレジットカードで決済されます。")),
        d.save_menu(actor, clinic_id, MenuInput(name="自費診療 (事前決済+後決済)", price=5500,
                                         payment_timing=PaymentTiming.PRE_AND_POST)),
        d.save_menu(actor, clinic_id, MenuInput(name="健康診断", price=8800, tax_category=TaxCategory.NON_TAXABLE,
                                         card_payment=False, payment_timing=PaymentTiming.POST)),
    ]
    patients = [
        d.add_patient(actor, clinic_id, family_name=f, given_name=g, family_name_kana=fk, given_name_kana=gk, sex=sex,
                      email=email, phone=phone, address=addr)
        for f, g, fk, gk, sex, email, phone, addr in _PATIENTS
    ]
    today = dt.datetime.now(JST).replace(hour=9, minute=0, second=0, microsecond=0)
    slots = [(0, 9, 30), (0, 10, 0), (0, 11, 15), (0, 14, 0), (0, 15, 30), (1, 10, 0), (-1, 16, 0)]
    for i, (days, hour, minute) in enumerate(slots):
        starts = (today + dt.timedelta(days=days)).replace(hour=hour, minute=minute)
        status = ReservationStatus.VISITED if days < 0 or (days == 0 and hour < 11) else ReservationStatus.RESERVED
        d.create_reservation(
            actor, clinic_id, patient_id=patients[i % len(patients)], menu_id=menus[i % 3],
            starts_at=starts.astimezone(dt.timezone.utc), status=status,
            message="発熱のため受診希望" if i == 0 else "", attachments=["問診票.pdf"] if i % 2 == 0 else [],
        )
    if not ctx.settings.staff_id:
        ctx.settings.staff_id = manager
    return clinic_id


def is_untouched_seed(db: Database) -> bool:
    """Whether ``db`` holds the demo clinic and nothing a clinic entered: the seed only.

    True when its only clinic is the demo clinic in デモ mode without a PAY.JP tenant, no billing
    request was ever made, and every patient is one of the seed's. Such a database (from a
    version that kept the demo in the clinic's database) can become the demo database; any other
    stays the clinic's.
    """
    from sqlalchemy import func, select

    seed = {(f, g) for f, g, *_ in _PATIENTS}
    with db.uow(readonly=True) as uow:
        clinics = uow.session.scalars(select(Clinic)).all()
        if len(clinics) != 1:
            return False
        c = clinics[0]
        if c.name != DEMO_CLINIC_NAME or c.payment_mode is not PaymentMode.DEMO or c.payjp_tenant_id:
            return False
        if uow.session.scalar(select(func.count()).select_from(BillingRequest)):
            return False
        names = uow.session.execute(select(Patient.family_name, Patient.given_name)).all()
        return all((f, g) in seed for f, g in names)
