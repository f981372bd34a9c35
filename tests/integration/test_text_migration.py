"""Migration 0008: rows saved before the one normalisation are re-stored so today's searches find them."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import update

from desktop.domain.billing import BillingState, TaxCategory
from desktop.services.front_desk import FrontDeskQueries
from desktop.services.history import HistoryFilter, HistoryService
from desktop.storage import migrate
from desktop.storage.orm import BillingRequest, Menu, Patient
from desktop.storage.unit_of_work import Database
from tests.integration.seed import seed_front_desk


def test_old_half_width_names_and_readings_are_found_after_the_upgrade(db: Database) -> None:
    front = seed_front_desk(db)
    with db.uow() as uow:  # as an older version stored them: typed, not normalised
        uow.session.execute(update(Patient).where(Patient.id == front.patient_id).values(
            family_name="ﾔﾏﾀﾞ", given_name="花子\u3000", family_name_kana="ﾔﾏﾀﾞ", given_name_kana="はなこ"))
        uow.session.add(BillingRequest(
            clinic_id=front.clinic_id, reservation_id=front.reservation_id, patient_id=front.patient_id,
            staff_id=front.staff_id, amount=1200, tax_category=TaxCategory.TAXABLE, state=BillingState.REQUESTED,
            patient_name="ﾔﾏﾀﾞ 花子", patient_given="花子", patient_kana="ﾔﾏﾀﾞ はなこ", menu_name="オンライン診療 (後決済)",
            requested_at=dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.timezone.utc)))
        uow.commit()
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, "0004")
    migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    with db.uow(readonly=True) as uow:
        p = uow.session.get(Patient, front.patient_id)
        assert p is not None
        assert (p.family_name, p.given_name, p.family_name_kana, p.given_name_kana) == ("ヤマダ", "花子", "ヤマダ", "ハナコ")
        menu = uow.session.get(Menu, front.menu_id)
        assert menu is not None and menu.receipt_purpose == ""
    history = HistoryService(db)
    for query in ("ﾔﾏﾀﾞ", "やまだ", "ヤマダ ハナ", "ﾔﾏﾀﾞ　ﾊﾅｺ"):  # 決済管理: 姓, 名 or the reading from its start
        assert [r.patient_name for r in history.page(front.clinic_id, HistoryFilter(patient=query), 0, 10)] == \
            ["ヤマダ 花子"], query
    for query in ("ﾔﾏﾀﾞ", "やまだ", "はなこ", "ﾊﾅｺ"):  # 予約管理: any part of 姓, 名, セイ, メイ
        assert [r.patient_name for r in FrontDeskQueries(db).reservations(front.clinic_id, None, query)] == \
            ["ヤマダ 花子"], query
