"""Columns of the billing-history tables (決済管理 and the reservation detail share them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt

from desktop.domain.billing import BillingState
from desktop.domain.formatting import JST, format_jst_datetime, format_yen
from desktop.services.history import HistoryRow
from desktop.ui import i18n
from desktop.ui.i18n import QT_TRANSLATE_NOOP

MENU_DOTS = "⋯"


def short_time(value: dt.datetime | None) -> str:
    """``2021/01/07 18:21`` in JST, empty for None."""
    return value.astimezone(JST).strftime("%Y/%m/%d %H:%M") if value else ""


MAIL_REFUSED = QT_TRANSLATE_NOOP("HistoryColumn", "メール不達")
MAIL_REFUSED_TIP = QT_TRANSLATE_NOOP(
    "HistoryColumn", "患者様のメールサーバーが請求メールの受け取りを拒否しました。メールアドレスを確認してください。")


MARK_SEPARATOR = QT_TRANSLATE_NOOP("HistoryColumn", "・")  # between the state and its marks
DECLINED = QT_TRANSLATE_NOOP("HistoryColumn", "カード拒否")
DECLINED_TIP = QT_TRANSLATE_NOOP("HistoryColumn", "{at}、患者様のカードが通りませんでした: {reason}")


def state_text(row: HistoryRow) -> str:
    """The state, with 「カード拒否」 while the patient's newest card attempt on an unpaid request failed,
    and 「メール不達」 when the patient's mail server refused a mail of the request."""
    marks = [DECLINED] if row.declined_at is not None else []
    if row.mail_refused:
        marks.append(MAIL_REFUSED)
    sep = QCoreApplication.translate("HistoryColumn", MARK_SEPARATOR)
    return sep.join([i18n.state_label(row.state), *(QCoreApplication.translate("HistoryColumn", m) for m in marks)])


def decline_text(row: HistoryRow) -> str:
    """When (JST) and why the newest card attempt failed, in the UI's language ("" when none did)."""
    if row.declined_at is None:
        return ""
    lang = i18n.language()
    return QCoreApplication.translate("HistoryColumn", DECLINED_TIP).format(
        at=format_jst_datetime(row.declined_at, lang), reason=row.decline_reason(lang))


def state_tip(row: HistoryRow) -> str | None:
    """The 状態 cell's tooltip: why it is marked (カード拒否, メール不達), or None."""
    tips = [decline_text(row)] if row.declined_at is not None else []
    if row.mail_refused:
        tips.append(QCoreApplication.translate("HistoryColumn", MAIL_REFUSED_TIP))
    return "\n".join(tips) or None


@dataclasses.dataclass(frozen=True)
class Column:
    header_ja: str  # the Japanese source text, marked for translation in context "HistoryColumn"
    text: Callable[[HistoryRow], str]
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft

    @property
    def header(self) -> str:
        return QCoreApplication.translate("HistoryColumn", self.header_ja)


REQUESTED = Column(QT_TRANSLATE_NOOP("HistoryColumn", "請求日時"), lambda r: short_time(r.requested_at))
PAID = Column(QT_TRANSLATE_NOOP("HistoryColumn", "決済日時"), lambda r: short_time(r.paid_at))
PATIENT = Column(QT_TRANSLATE_NOOP("HistoryColumn", "患者名"), lambda r: r.patient_name)
MENU = Column(QT_TRANSLATE_NOOP("HistoryColumn", "予約内容"), lambda r: f"{r.menu_name}（#{r.reservation_id}）")
AMOUNT = Column(QT_TRANSLATE_NOOP("HistoryColumn", "請求金額"), lambda r: format_yen(r.amount),
                Qt.AlignmentFlag.AlignRight)
STAFF = Column(QT_TRANSLATE_NOOP("HistoryColumn", "請求スタッフ"), lambda r: r.staff_name)
MESSAGE = Column(QT_TRANSLATE_NOOP("HistoryColumn", "伝達事項"), lambda r: r.message.replace("\n", " "))
STATE = Column(QT_TRANSLATE_NOOP("HistoryColumn", "状態"), state_text)
REFUNDED_AT = Column(QT_TRANSLATE_NOOP("HistoryColumn", "返金日時"), lambda r: short_time(r.last_refunded_at))
REFUNDED = Column(QT_TRANSLATE_NOOP("HistoryColumn", "返金額"),
                  lambda r: format_yen(r.refunded_amount) if r.refunded_amount else "", Qt.AlignmentFlag.AlignRight)
ACTIONS = Column(QT_TRANSLATE_NOOP("HistoryColumn", "操作"),
                 lambda r: MENU_DOTS if r.refundable or r.cancellable else "", Qt.AlignmentFlag.AlignCenter)
ACTIONS_TIP = QT_TRANSLATE_NOOP("HistoryColumn", "操作メニュー（Shift+F10）")

RESERVATION_COLUMNS = (REQUESTED, PAID, AMOUNT, STAFF, MESSAGE, STATE, REFUNDED_AT, REFUNDED)
HISTORY_COLUMNS = (REQUESTED, PAID, PATIENT, MENU, AMOUNT, STAFF, MESSAGE, STATE, REFUNDED_AT, REFUNDED, ACTIONS)

STATE_COLORS = {
    BillingState.PAID: "#1b7f3b",
    BillingState.REFUNDED: "#8a4b00",
    BillingState.PARTIALLY_REFUNDED: "#8a4b00",
    BillingState.REFUNDING: "#8a4b00",
    BillingState.CANCELLED: "#5f6368",  # #777 was 4.5:1 on white, less on the alternate row colour
    BillingState.EXPIRED: "#5f6368",
    BillingState.REQUESTED: "#1f4e9c",
    BillingState.PROCESSING: "#1f4e9c",
}
