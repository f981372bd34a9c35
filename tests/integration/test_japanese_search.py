"""One normalisation end to end: a name typed one way is found typed another, in 決済管理 and 予約管理;
a legacy carrier address is billed by mail with its local part quoted."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest

from desktop.services.directory import DirectoryService
from desktop.services.front_desk import FrontDeskQueries
from desktop.services.history import HistoryFilter, HistoryService
from tests.integration.conftest import Desk
from tests.smtp_server import wait_for_messages

DAY = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.timezone.utc)


def _patient_and_request(desk: Desk, *, email: str = "p@example.jp", **names: str) -> int:
    d = DirectoryService(desk.db)
    f = desk.front
    patient = d.add_patient(f.clinic_id, email=email, **names)  # type: ignore[arg-type]
    reservation = d.create_reservation(f.clinic_id, patient_id=patient, menu_id=f.menu_id, starts_at=DAY)
    desk.clock.advance(minutes=1)
    desk.billing.request_payment(reservation, f.staff_id, 1200, "taxable")
    return patient


@pytest.fixture
def takahashi(desk: Desk) -> Desk:
    # The example: セイ typed in half-width katakana ﾀｶﾊｼ (stored タカハシ).
    _patient_and_request(desk, family_name="高橋", given_name="花子", family_name_kana="ﾀｶﾊｼ", given_name_kana="ﾊﾅｺ")
    _patient_and_request(desk, family_name="ﾀﾅｶ", given_name="ｼﾞﾛｳ")  # a name itself typed half-width
    return desk


@pytest.mark.parametrize("query", ["ﾀｶﾊｼ", "たかはし", "タカハシ", "ﾀｶﾊｼ　ﾊﾅ", "たかはし ハナコ", "高橋　花子", "高橋"])
def test_billing_history_finds_the_patient_however_the_reading_is_typed(takahashi: Desk, query: str) -> None:
    rows = HistoryService(takahashi.db).page(takahashi.front.clinic_id, HistoryFilter(patient=query), 0, 50)
    assert [r.patient_name for r in rows] == ["高橋 花子"]


@pytest.mark.parametrize("query", ["ﾀｶﾊｼ", "たかはし", "タカハシ", "ﾊﾅｺ", "はなこ", "高橋　花子", "ﾀｶﾊｼ ﾊﾅｺ"])
def test_reservations_find_the_patient_however_the_reading_is_typed(takahashi: Desk, query: str) -> None:
    rows = FrontDeskQueries(takahashi.db).reservations(takahashi.front.clinic_id, None, query)
    assert [r.patient_name for r in rows] == ["高橋 花子"]


@pytest.mark.parametrize("query", ["ﾀﾅｶ", "タナカ", "ジロウ", "ｼﾞﾛｳ"])
def test_a_name_typed_in_half_width_katakana_is_stored_and_found_full_width(takahashi: Desk, query: str) -> None:
    history = HistoryService(takahashi.db).page(takahashi.front.clinic_id, HistoryFilter(patient=query), 0, 50)
    reservations = FrontDeskQueries(takahashi.db).reservations(takahashi.front.clinic_id, None, query)
    assert [r.patient_name for r in history] == ["タナカ ジロウ"]
    assert [r.patient_name for r in reservations] == ["タナカ ジロウ"]


@pytest.mark.parametrize("query", ["%", "_", "\\"])
def test_search_wildcards_are_matched_literally(takahashi: Desk, query: str) -> None:
    assert FrontDeskQueries(takahashi.db).reservations(takahashi.front.clinic_id, None, query) == []


@pytest.mark.parametrize("address", ["taro..yamada@docomo.ne.jp", "hanako.@docomo.ne.jp"])
def test_a_legacy_carrier_address_is_billed_with_its_local_part_quoted(desk: Desk, address: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's examples: such a patient can be saved and billed by mail."""
    commands: list[str] = []
    putcmd = smtplib.SMTP.putcmd

    def recording(self: smtplib.SMTP, cmd: str, args: str = "") -> None:
        commands.append(f"{cmd} {args}")
        putcmd(self, cmd, args)

    monkeypatch.setattr(smtplib.SMTP, "putcmd", recording)
    _patient_and_request(desk, family_name="山田", given_name="太郎", email=address)
    report = desk.outbox.send_due()
    assert report.sent >= 1
    local, _, domain = address.rpartition("@")
    quoted = f'"{local}"@{domain}'
    wait_for_messages(desk.smtp, 1)
    assert f"rcpt TO:<{quoted}>" in commands  # the envelope, as the client sent it
    mails = desk.smtp.received
    assert [m.rcpt_tos for m in mails] == [(address,)]  # the server took it (aiosmtpd unquotes)
    assert f"<{quoted}>".encode() in mails[0].data  # the To header too


@pytest.mark.expect_log("desktop.services.outbox", "WARNING", "refused for good")
def test_a_refused_mail_shows_on_the_history_row(desk: Desk) -> None:
    address = "hanako.@docomo.ne.jp"
    desk.smtp.handler.refuse[address] = "550 5.1.1 Recipient address rejected"
    _patient_and_request(desk, family_name="山田", given_name="太郎", email=address)
    _patient_and_request(desk, family_name="佐藤", given_name="一郎", email="ichiro@example.jp")
    report = desk.outbox.send_due()
    assert report.failed == 1 and report.sent == 1
    rows = HistoryService(desk.db).page(desk.front.clinic_id, HistoryFilter(), 0, 50)
    assert {r.patient_name: r.mail_refused for r in rows} == {"山田 太郎": True, "佐藤 一郎": False}
    one = HistoryService(desk.db).get(next(r.id for r in rows if r.mail_refused))
    assert one is not None and one.mail_refused
