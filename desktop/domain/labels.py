"""Names of domain values as people read them (Japanese msgids, translated through gettext).

``label(value, lang)`` gives e.g. ``決済済み`` / ``Paid`` for ``BillingState.PAID``. Error
messages render enum parameters with it, so a ``StateError(..., state=BillingState.PAID)`` reads
"(it is Paid)" in English. The screens read these tables too (``desktop.ui.i18n``), so a refusal,
操作履歴 and the screens name a state, a status, a role or a mode with the same words. A payment mode
has two forms in English ("switch to test mode"; the window's badge "Test mode"): ``label`` and
``mode_name``.
"""

from __future__ import annotations

from enum import Enum

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.clinic import CareType, PaymentMode, PaymentTiming, ReservationStatus, ReviewStatus, StaffRole
from desktop.i18n import N_, NP_, gettext, pgettext_pair

STATE_LABELS: dict[BillingState, str] = {
    BillingState.REQUESTED: N_("未決済"),
    BillingState.PROCESSING: N_("決済処理中"),
    BillingState.PAID: N_("決済済み"),
    BillingState.REFUNDING: N_("返金処理中"),
    BillingState.PARTIALLY_REFUNDED: N_("一部返金済み"),
    BillingState.REFUNDED: N_("返金済み"),
    BillingState.CANCELLED: N_("取消済み"),
    BillingState.EXPIRED: N_("期限切れ"),
}

REVIEW_LABELS: dict[ReviewStatus, str] = {
    ReviewStatus.NOT_APPLIED: N_("未申請"),
    ReviewStatus.RECEIVED: N_("依頼受付済み"),
    ReviewStatus.IN_REVIEW: N_("審査中"),
    ReviewStatus.APPROVED: N_("承認"),
    ReviewStatus.DECLINED: N_("否認"),
}

TAX_LABELS: dict[TaxCategory, str] = {
    TaxCategory.TAXABLE: N_("課税"),
    TaxCategory.NON_TAXABLE: N_("非課税"),
}

ROLE_LABELS: dict[StaffRole, str] = {
    StaffRole.STAFF: N_("受付"),
    StaffRole.MANAGER: N_("管理者"),
    StaffRole.ACCOUNTANT: N_("経理"),
}

# As used inside sentences ("Enter a secret key to switch to test mode").
MODE_LABELS: dict[PaymentMode, str] = {
    PaymentMode.DEMO: N_("デモ"),
    PaymentMode.TEST: N_("テストモード"),
    PaymentMode.LIVE: N_("本番モード"),
}

# Standing alone (the window's badge, the status bar): "Demo", "Test mode".
MODE_NAMES: dict[PaymentMode, tuple[str, str]] = {
    PaymentMode.DEMO: NP_("payment mode", "デモ"),
    PaymentMode.TEST: NP_("payment mode", "テストモード"),
    PaymentMode.LIVE: NP_("payment mode", "本番モード"),
}

# The same Japanese words mean other things elsewhere (予約 the record, キャンセル the button): with a context.
RESERVATION_LABELS: dict[ReservationStatus, tuple[str, str]] = {
    ReservationStatus.RESERVED: NP_("reservation status", "予約"),
    ReservationStatus.VISITED: NP_("reservation status", "来院済み"),
    ReservationStatus.CANCELLED: NP_("reservation status", "キャンセル"),
}

TIMING_LABELS: dict[PaymentTiming, tuple[str, str]] = {
    PaymentTiming.PRE_AND_POST: NP_("payment timing", "事前決済+後決済"),
    PaymentTiming.PRE: NP_("payment timing", "事前決済"),
    PaymentTiming.POST: NP_("payment timing", "後決済"),
}

CARE_TYPE_LABELS: dict[CareType, tuple[str, str]] = {
    CareType.WITH_INSURANCE: NP_("care type", "保険診療"),
    CareType.WITHOUT_INSURANCE: NP_("care type", "保険診療含まない"),
}

# 性別 is stored as the Japanese word the patient dialog offers.
SEX_LABELS: dict[str, str] = {"男性": N_("男性"), "女性": N_("女性"), "その他": N_("その他")}

# keyed by type and name: str enums of different types compare equal when their values do
# (ReservationStatus.CANCELLED == BillingState.CANCELLED == "cancelled")
_LABELS: dict[tuple[type[Enum], str], str | tuple[str, str]] = {
    (type(key), key.name): text
    for table in (STATE_LABELS, REVIEW_LABELS, TAX_LABELS, ROLE_LABELS, MODE_LABELS, RESERVATION_LABELS,
                  TIMING_LABELS, CARE_TYPE_LABELS)
    for key, text in table.items()
}


def label(value: Enum, lang: str = "ja") -> str:
    """The name of ``value`` in ``lang`` ("ja" or "en").

    Raises:
        KeyError: ``value`` has no label.
    """
    text = _LABELS[(type(value), value.name)]
    return gettext(lang, text) if isinstance(text, str) else pgettext_pair(lang, text)


def mode_name(mode: PaymentMode, lang: str = "ja") -> str:
    """The payment mode standing alone in ``lang`` (デモ / "Demo"; ``label`` gives "demo mode")."""
    return pgettext_pair(lang, MODE_NAMES[mode])


def sex_label(sex: str, lang: str = "ja") -> str:
    """性別 as stored (男性 / 女性 / その他) in ``lang``; other text is returned as entered."""
    text = SEX_LABELS.get(sex)
    return gettext(lang, text) if text is not None else sex
