"""新規患者 and 患者情報の編集: the same checks for both, an audit trail, duplicate warnings (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from desktop.domain.errors import NotFoundError, ValidationError
from desktop.services.directory import DirectoryService
from desktop.services.front_desk import FrontDeskQueries
from desktop.storage.orm import AuditEvent, Patient
from desktop.storage.unit_of_work import Database
from tests.integration.seed import seed_front_desk


def _patient(db: Database, patient_id: int) -> Patient:
    with db.uow(readonly=True) as uow:
        found = uow.session.get(Patient, patient_id)
        assert found is not None
        return found


def _audit(db: Database, action: str) -> list[AuditEvent]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                         .order_by(AuditEvent.id)).all())


def test_new_patient_is_stored_normalised_and_audited(db: Database) -> None:
    front = seed_front_desk(db)
    d = DirectoryService(db)
    pid = d.add_patient(front.clinic_id, family_name="　田中 ", given_name="健", family_name_kana="たなか",
                        given_name_kana="ｹﾝ", sex="男性", phone="０３－９９９９ー００００", email=" ken＠example.jp ",
                        address="千葉県千葉市中央区市場町1-1", language="en", staff_id=front.staff_id)
    p = _patient(db, pid)
    assert (p.family_name, p.given_name, p.family_name_kana, p.given_name_kana) == ("田中", "健", "タナカ", "ケン")
    assert (p.phone, p.email, p.language, p.sex) == ("03-9999-0000", "ken@example.jp", "en", "男性")
    created = _audit(db, "patient_created")
    assert [e.entity_id for e in created][-1] == str(pid)
    assert created[-1].staff_id == front.staff_id
    assert json.loads(created[-1].after or "{}")["family_name_kana"] == "タナカ"
    info = FrontDeskQueries(db).patient(pid)
    assert info is not None and info.kana == "タナカ ケン" and info.language == "en" and info.name == "田中 健"


def test_patient_without_email_is_allowed(db: Database) -> None:
    front = seed_front_desk(db)
    pid = DirectoryService(db).add_patient(front.clinic_id, family_name="田中", given_name="", email="  ")
    assert _patient(db, pid).email is None


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"family_name": "  "}, "family_name", "field_required"),
        ({"family_name": "山" * 101}, "family_name", "field_too_long"),
        ({"email": "hanako@example"}, "email", "email_invalid"),
        ({"email": "hanako@@docomo.ne.jp"}, "email", "email_invalid"),
        ({"phone": "０９０－ｘｘｘｘ"}, "phone", "phone_invalid"),
        ({"phone": "090-1111-222x"}, "phone", "phone_invalid"),
        ({"phone": "12-3"}, "phone", "phone_invalid"),
        ({"sex": "male"}, "sex", "sex_invalid"),
        ({"family_name_kana": "山田"}, "family_name_kana", "kana_invalid"),
        ({"given_name_kana": "hanako"}, "given_name_kana", "kana_invalid"),
        ({"address": "x" * 301}, "address", "field_too_long"),
        ({"language": "fr"}, "language", "language_invalid"),
    ],
)
def test_wrong_fields_are_refused_for_new_and_edited_patients(
        db: Database, fields: dict[str, str], field: str, code: str) -> None:
    front = seed_front_desk(db)
    d = DirectoryService(db)
    with pytest.raises(ValidationError) as new:
        d.add_patient(front.clinic_id, **{"family_name": "新規", "given_name": "患者", **fields})
    assert (new.value.field, new.value.code) == (field, code)
    before = _patient(db, front.patient_id)
    with pytest.raises(ValidationError) as edit:
        d.update_patient(front.patient_id, front.staff_id, **fields)
    assert (edit.value.field, edit.value.code) == (field, code)
    assert edit.value.message("ja") and edit.value.message("en")
    after = _patient(db, front.patient_id)
    assert (after.family_name, after.email, after.phone, after.sex) == (before.family_name, before.email,
                                                                         before.phone, before.sex)
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(Patient).where(Patient.family_name == "新規")) is None


def test_update_changes_only_the_given_fields_and_keeps_before_and_after(db: Database) -> None:
    front = seed_front_desk(db, email=None)
    d = DirectoryService(db)
    changed = d.update_patient(front.patient_id, front.staff_id, email="hanako.new@example.jp",
                               family_name_kana="やまだ", given_name_kana="はなこ", phone="090-1111-2222")
    assert sorted(changed) == ["email", "family_name_kana", "given_name_kana"]  # the phone did not change
    p = _patient(db, front.patient_id)
    assert (p.email, p.family_name_kana, p.given_name_kana, p.given_name) == (
        "hanako.new@example.jp", "ヤマダ", "ハナコ", "花子")
    [event] = _audit(db, "patient_updated")
    assert event.staff_id == front.staff_id and event.entity_id == str(front.patient_id)
    assert json.loads(event.before or "{}") == {"email": None, "family_name_kana": "", "given_name_kana": ""}
    assert json.loads(event.after or "{}") == {"email": "hanako.new@example.jp", "family_name_kana": "ヤマダ",
                                               "given_name_kana": "ハナコ"}
    assert d.update_patient(front.patient_id, front.staff_id, email="hanako.new@example.jp") == []
    assert len(_audit(db, "patient_updated")) == 1  # no change, no record


def test_clearing_the_email_stores_none(db: Database) -> None:
    front = seed_front_desk(db)
    DirectoryService(db).update_patient(front.patient_id, email="")
    assert _patient(db, front.patient_id).email is None


def test_unknown_patient_or_field(db: Database) -> None:
    seed_front_desk(db)
    d = DirectoryService(db)
    with pytest.raises(NotFoundError):
        d.update_patient(999_999, family_name="誰か")
    with pytest.raises(TypeError):
        d.update_patient(1, birthday="2000-01-01")


def test_duplicates_are_found_by_name_and_phone_or_by_email(db: Database) -> None:
    front = seed_front_desk(db)  # 山田 花子, 090-1111-2222, hanako@example.jp
    d = DirectoryService(db)
    same_phone = d.find_duplicates(front.clinic_id, family_name="山田", given_name="花子", phone="09011112222")
    assert [(x.id, x.reason) for x in same_phone] == [(front.patient_id, "name_phone")]
    assert same_phone[0].name == "山田 花子" and same_phone[0].phone == "090-1111-2222"
    by_mail = d.find_duplicates(front.clinic_id, family_name="別人", phone="", email="Hanako@Example.jp")
    assert [(x.id, x.reason) for x in by_mail] == [(front.patient_id, "email")]
    # same name, another phone: two people may share a name
    assert d.find_duplicates(front.clinic_id, family_name="山田", given_name="花子", phone="080-0000-0000") == []
    # the patient being edited is not its own duplicate
    assert d.find_duplicates(front.clinic_id, family_name="山田", given_name="花子", phone="090-1111-2222",
                             email="hanako@example.jp", exclude_id=front.patient_id) == []
    # a warning, not a refusal: the same person can still be registered twice
    twin = d.add_patient(front.clinic_id, family_name="山田", given_name="花子", phone="090-1111-2222",
                         email="hanako@example.jp")
    assert twin != front.patient_id
