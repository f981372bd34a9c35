"""決済管理's reads: filters (name by 姓, 名 or フリガナ), paging from both ends, CSV for Excel."""

from __future__ import annotations

import datetime as dt
import pathlib

from desktop.domain.billing import BillingState
from desktop.domain.labels import STATE_LABELS
from desktop.services.directory import DirectoryService
from desktop.services.history import HistoryFilter, HistoryService
from tests.integration.conftest import Desk


def _bill(desk: Desk, family: str, given: str, kana: tuple[str, str], amount: int) -> int:
    d = DirectoryService(desk.db)
    f = desk.front
    patient = d.add_patient(f.staff, f.clinic_id, family_name=family, given_name=given, email="p@example.jp",
                            family_name_kana=kana[0], given_name_kana=kana[1])
    reservation = d.create_reservation(f.staff, f.clinic_id, patient_id=patient, menu_id=f.menu_id,
                                       starts_at=dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.timezone.utc))
    desk.clock.advance(minutes=1)
    return desk.billing.request_payment(reservation, f.staff, amount, "taxable").request_id


def test_name_filter_finds_family_given_and_reading(desk: Desk) -> None:
    history = HistoryService(desk.db)
    cid = desk.front.clinic_id
    _bill(desk, "山田", "花子", ("ヤマダ", "ハナコ"), 1200)
    _bill(desk, "田中", "太郎", ("たなか", "たろう"), 3300)  # reading typed in hiragana at the desk
    _bill(desk, "山本", "一郎", ("ヤマモト", "イチロウ"), 5500)

    def names(query: str) -> list[str]:
        return [r.patient_name for r in history.page(cid, HistoryFilter(patient=query), 0, 50)]

    assert names("山") == ["山本 一郎", "山田 花子"]  # newest first
    assert names("山田　花") == ["山田 花子"]  # full-width space as typed
    assert names("太郎") == ["田中 太郎"]
    assert names("やま") == ["山本 一郎", "山田 花子"]  # hiragana finds the katakana reading
    assert names("タナカ") == ["田中 太郎"]
    assert names("佐藤") == []
    assert history.count(cid, HistoryFilter(patient="やま")) == 2


def test_state_filter_paging_from_both_ends_and_csv(desk: Desk, tmp_path: pathlib.Path) -> None:
    history = HistoryService(desk.db)
    cid = desk.front.clinic_id
    ids = [_bill(desk, "患者", str(i), ("カンジャ", ""), 1000 + i) for i in range(7)]
    desk.billing.cancel_request(ids[0], desk.front.staff)
    total = history.count(cid)
    assert total == 7
    newest_first = [r.id for r in history.page(cid, HistoryFilter(), 0, 7)]
    assert newest_first == list(reversed(ids))
    tail = [r.id for r in history.page(cid, HistoryFilter(), 5, 5, total=total)]  # read from the oldest end
    assert tail == newest_first[5:]
    cancelled = history.page(cid, HistoryFilter(states=frozenset({BillingState.CANCELLED})), 0, 10)
    assert [r.id for r in cancelled] == [ids[0]]

    out = tmp_path / "history.csv"
    written = history.export_csv(desk.front.accountant, cid, HistoryFilter(), out, headers=["請求ID", "請求日時"], state_labels=dict(STATE_LABELS))
    raw = out.read_bytes()
    assert written == 7 and raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    text = raw.decode("utf-8-sig")
    assert "取消済み" in text and "¥" not in text.splitlines()[1]
