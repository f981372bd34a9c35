"""操作履歴's 内容: each changed field by its name and known values by their label, in both languages."""

from __future__ import annotations

from desktop.services.audit_log import FIELD_LABELS, change_summary, field_label
from desktop.i18n import gettext


def test_a_review_change_reads_as_staff_say_it() -> None:
    before, after = {"review_status": "received"}, {"review_status": "approved"}
    assert change_summary(before, after, "ja") == "審査状況: 依頼受付済み → 承認"
    assert change_summary(before, after, "en") == "Review status: Application received → Approved"


def test_values_amounts_flags_and_unknown_keys() -> None:
    before = {"state": "paid", "auto_charge": False, "link_expiry_days": 7, "x_new": 1}
    after = {"state": "refunded", "auto_charge": True, "link_expiry_days": 7, "x_new": 2, "reason": "二重予約"}
    assert change_summary(before, after, "ja") == (
        "自動決済: なし → あり、決済リンクの有効期限（日）: 7、理由: \"二重予約\"、状態: 決済済み → 返金済み、x_new: 1 → 2")
    assert change_summary(before, after, "en") == (
        "Automatic payment: No → Yes, Payment link valid for (days): 7, Reason: \"二重予約\", Status: Paid → Refunded, "
        "x_new: 1 → 2")
    assert change_summary(None, {"state": "not-a-state"}, "ja") == '状態: "not-a-state"'
    assert change_summary(None, None, "ja") == ""


def test_every_field_label_has_its_english() -> None:
    for key, text in FIELD_LABELS.items():
        english = field_label(key, "en")
        assert english == gettext("en", text) and (english != text or text.isascii()), key
