"""Names of domain values as people read them (Japanese msgids, translated through gettext).

``label(value, lang)`` gives e.g. ``決済済み`` / ``Paid`` for ``BillingState.PAID``. Error
messages render enum parameters with it, so a ``StateError(..., state=BillingState.PAID)`` reads
"(it is Paid)" in English.
"""

from __future__ import annotations

from enum import Enum

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.clinic import PaymentMode, ReviewStatus
from desktop.i18n import N_, gettext

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

# As used inside sentences ("Enter a secret key to switch to test mode").
MODE_LABELS: dict[PaymentMode, str] = {
    PaymentMode.DEMO: N_("デモ"),
    PaymentMode.TEST: N_("テストモード"),
    PaymentMode.LIVE: N_("本番モード"),
}

_LABELS: dict[Enum, str] = {
    key: text for table in (STATE_LABELS, REVIEW_LABELS, TAX_LABELS, MODE_LABELS) for key, text in table.items()
}


def label(value: Enum, lang: str = "ja") -> str:
    """The name of ``value`` in ``lang`` ("ja" or "en").

    Raises:
        KeyError: ``value`` has no label.
    """
    return gettext(lang, _LABELS[value])
