"""The double-booking warning's look-up: the patient's reservations within 30 minutes, キャンセル left out."""

from __future__ import annotations

import datetime as dt

from desktop.domain.clinic import ReservationStatus
from desktop.services.directory import DirectoryService
from desktop.services.front_desk import FrontDeskQueries
from tests.integration.conftest import Desk

TEN = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.timezone.utc)  # 10:00 JST


def test_a_patient_booked_within_30_minutes_is_found_and_nobody_else(desk: Desk) -> None:
    d, f = DirectoryService(desk.db), desk.front
    patient = d.add_patient(f.staff, f.clinic_id, family_name="佐藤", given_name="太郎", email="t@example.jp")
    other = d.add_patient(f.staff, f.clinic_id, family_name="鈴木", given_name="一郎", email="s@example.jp")
    booked = d.create_reservation(f.staff, f.clinic_id, patient_id=patient, menu_id=f.menu_id, starts_at=TEN)
    d.create_reservation(f.staff, f.clinic_id, patient_id=other, menu_id=f.menu_id, starts_at=TEN)
    q = FrontDeskQueries(desk.db)
    for minutes in (-29, 0, 15, 29):
        near = q.reservations_near(f.clinic_id, patient, TEN + dt.timedelta(minutes=minutes))
        assert [r.id for r in near] == [booked], minutes
        assert near[0].patient_name == "佐藤 太郎"
    for minutes in (-30, 30, 120):
        assert q.reservations_near(f.clinic_id, patient, TEN + dt.timedelta(minutes=minutes)) == []
    jst = TEN.astimezone(dt.timezone(dt.timedelta(hours=9)))  # the same moment given in Japan time
    assert [r.id for r in q.reservations_near(f.clinic_id, patient, jst)] == [booked]
    d.set_reservation_status(f.staff, booked, ReservationStatus.CANCELLED)
    assert q.reservations_near(f.clinic_id, patient, TEN) == []  # a キャンセル does not count
