"""操作履歴's 内容: each changed field by its name and known values by their label, in both languages."""

from __future__ import annotations

from desktop.services.audit_log import FIELD_LABELS, change_summary, field_label, values_summary
from desktop.i18n import gettext


def test_a_review_change_reads_as_staff_say_it() -> None:
    before, after = {"review_status": "received"}, {"review_status": "approved"}
    assert change_summary(before, after, "ja") == "審査状況: 依頼受付済み → 承認"
    assert change_summary(before, after, "en") == "Review status: Application received → Approved"


def test_values_amounts_flags_and_unknown_keys() -> None:
    before = {"state": "paid", "auto_charge": False, "link_expiry_days": 7, "x_new": 1}
    after = {"state": "refunded", "auto_charge": True, "link_expiry_days": 7, "x_new": 2, "reason": "二重予約"}
    assert change_summary(before, after, "ja") == (
        "自動決済: なし → あり、理由: \"二重予約\"、状態: 決済済み → 返金済み、x_new: 1 → 2、決済リンクの有効期限（日）: 7")
    assert change_summary(before, after, "en") == (
        "Automatic payment: No → Yes, Reason: \"二重予約\", Status: Paid → Refunded, x_new: 1 → 2, "
        "Payment link valid for (days): 7")  # what changed first, then what stayed as it was
    assert change_summary(None, {"state": "not-a-state"}, "ja") == '状態: "not-a-state"'
    assert change_summary(None, None, "ja") == ""


def test_every_field_label_has_its_english() -> None:
    for key, text in FIELD_LABELS.items():
        english = field_label(key, "en")
        assert english == gettext("en", text) and (english != text or text.isascii()), key


def test_events_of_payjp_and_the_patient_read_in_words() -> None:
    """Shapes the services store on paths a demo run reaches rarely (PAY.JP's side, a saved card)."""
    snap = {"state": "paid", "amount": 1200, "refunded_amount": 0, "charge_id": "ch_1"}
    observed = change_summary(snap, {**snap, "state": "refunded", "refunded_amount": 1200, "refund": "ref_9",
                                     "refund_amount": 1200, "source": "webhook"}, "ja", action="refund_observed")
    assert observed == ("返金額: ¥1,200、返金済みの額: ¥0 → ¥1,200、把握した経路: PAY.JPからの通知、"
                        "状態: 決済済み → 返金済み、金額: ¥1,200、PAY.JPの決済ID: ch_1")
    assert "ref_9" not in observed
    duplicate = change_summary(snap, {**snap, "duplicate_charge_id": "ch_2"}, "en", action="duplicate_charge")
    assert "PAY.JP charge ID of the duplicate payment: ch_2" in duplicate
    failed = change_summary(snap, {**snap, "state": "paid", "refund": "ref_1", "failure_code": "card_declined"}, "en",
                            action="refund_failed")
    assert "Why it failed: " in failed and "card_declined" not in failed and "ref_1" not in failed
    assert change_summary(None, {"failure_code": "new_payjp_code"}, "ja") == "失敗の理由: new_payjp_code"
    card = {"brand": "Visa", "last4": "4242", "expiry": "12/28", "consent_version": "2026-11", "consent_request": 7}
    assert change_summary(None, card, "ja", action="card_saved") == (
        "カード: VISA •••• 4242、カード登録の同意文（版）: 2026-11、有効期限: 12/28")
    assert change_summary(card, {"reason": "missing_at_payjp"}, "en", action="card_removed") == (
        "Card: VISA •••• 4242, Card saving consent (version): 2026-11, Expiry: 12/28, "
        "Reason: Card no longer at PAY.JP")
    assert change_summary(None, {"reason": "missing_at_payjp"}, "ja", action="refund_started") == (
        '理由: "missing_at_payjp"')  # a refund's 理由 is what the staff member typed
    assert change_summary(None, {"pin": "cleared"}, "en", action="staff_pin_cleared") == "PIN: Removed"
    assert change_summary(None, {"billing_request_id": 42}, "ja", action="live_check_started") == (
        "テスト決済の請求: 請求 42")
    assert change_summary(None, {"test_mail_accepted_at": "2026-11-30 01:02:03+00:00"}, "en") == (
        "Test mail received: Mon, 30 Nov 2026 10:02 (JST)")
    assert change_summary(None, {"status": "visited"}, "en") == "Status: Visited"
    assert change_summary(None, {"payment_mode": "live"}, "en") == "Mode: Live mode"


def test_deleted_records_and_unknown_ids() -> None:
    menu = {"name": "自費診療", "price": 5500, "archived": False}
    assert change_summary(menu, None, "ja", action="menu_deleted") == '使用停止: なし、名前: "自費診療"、料金: ¥5,500'
    assert change_summary(None, {"patient_id": 9, "menu_id": 3}, "en") == "Menu: (deleted), Patient: (deleted)"
    assert values_summary({"staff_id": None, "rows": 1200}, "ja") == "出力件数: 1,200 件、スタッフ: 指定なし"
