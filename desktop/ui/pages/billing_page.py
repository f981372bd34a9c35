"""決済管理: every billing request, newest first, with filters, CSV export and the row menu (返金する)."""

from __future__ import annotations

import datetime as dt
import pathlib

from PySide6.QtCore import QDate, QModelIndex, QPoint, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.billing import BillingState
from desktop.domain.formatting import JST, format_yen
from desktop.domain.staff import Permission
from desktop.services.billing import RefundOutcome
from desktop.services.billing.refunds import PendingRefund
from desktop.services.history import HistoryFilter, HistoryRow
from desktop.ui import async_ops, i18n, messages
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.dialogs.refund_dialog import RefundDialog, RefundInput
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.models.columns import HISTORY_COLUMNS
from desktop.ui.models.history_model import HistoryTableModel
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import SelectedTextDelegate

ACTIONS_COLUMN = len(HISTORY_COLUMNS) - 1
CSV_HEADERS = (QT_TRANSLATE_NOOP("BillingPage", "請求ID"),
               QT_TRANSLATE_NOOP("BillingPage", "請求日時"),
               QT_TRANSLATE_NOOP("BillingPage", "決済日時"),
               QT_TRANSLATE_NOOP("BillingPage", "患者名"),
               QT_TRANSLATE_NOOP("BillingPage", "メニュー"),
               QT_TRANSLATE_NOOP("BillingPage", "予約ID"),
               QT_TRANSLATE_NOOP("BillingPage", "請求金額"),
               QT_TRANSLATE_NOOP("BillingPage", "課税対象"),
               QT_TRANSLATE_NOOP("BillingPage", "請求スタッフ"),
               QT_TRANSLATE_NOOP("BillingPage", "伝達事項"),
               QT_TRANSLATE_NOOP("BillingPage", "状態"),
               QT_TRANSLATE_NOOP("BillingPage", "返金額"),
               QT_TRANSLATE_NOOP("BillingPage", "返金日時"))


class _Source:
    """The 決済管理 list, asked for through the session's actions."""

    def __init__(self, session: UiSession) -> None:
        self._s = session

    def count(self, f: HistoryFilter):  # type: ignore[no-untyped-def]
        s = self._s
        return s.actions.history_count(s.clinic.id, f)

    def page(self, f: HistoryFilter, offset: int, limit: int, total: int | None):  # type: ignore[no-untyped-def]
        s = self._s
        return s.actions.history_page(s.clinic.id, f, offset, limit, total=total)


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(d: QDate) -> dt.date:
    return dt.date(d.year(), d.month(), d.day())


class BillingPage(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._in_flight: set[int] = set()
        self._only_request: int | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        today = dt.datetime.now(JST).date()
        self.period_check = QCheckBox(self.tr("期間"))
        self.from_edit = QDateEdit(_qdate(today - dt.timedelta(days=30)))
        self.to_edit = QDateEdit(_qdate(today))
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy/MM/dd")
            edit.setEnabled(False)
        self.state_combo = QComboBox()
        self.state_combo.addItem(self.tr("すべて"), None)
        for state in BillingState:
            self.state_combo.addItem(i18n.state_label(state), state.value)
        self.patient_edit = QLineEdit()
        self.patient_edit.setPlaceholderText(self.tr("患者名"))
        self.patient_edit.setToolTip(self.tr("患者名で絞り込む (Ctrl+F)") + "\n" + self.tr("姓・名・フリガナの先頭から検索"))
        self.patient_edit.setClearButtonEnabled(True)
        self.staff_combo = QComboBox()
        self.staff_combo.addItem(self.tr("すべて"), None)
        self.search_button = QPushButton(self.tr("検索"))
        self.search_button.setToolTip(self.tr("検索") + " (Enter)")
        self.clear_button = QPushButton(self.tr("クリア"))
        self.csv_button = QPushButton(self.tr("CSV出力"))
        self.csv_button.setShortcut(QKeySequence("Ctrl+E"))
        self.csv_button.setToolTip(self.tr("CSV出力") + " (Ctrl+E)")
        self.csv_button.setVisible(session.may(Permission.HISTORY))  # 経理 and 管理者
        self.approvals_button = QPushButton(self.tr("承認待ち"))
        self.approvals_button.setToolTip(self.tr("2人目の管理者の承認を待っている返金"))
        self.approvals_button.setVisible(session.may(Permission.APPROVE_REFUND))
        self.count_label = QLabel()
        for w in (self.period_check, self.from_edit, QLabel(self.tr("〜")), self.to_edit, QLabel(self.tr("状態")),
                  self.state_combo, QLabel(self.tr("患者名")), self.patient_edit, QLabel(self.tr("スタッフ")),
                  self.staff_combo, self.search_button, self.clear_button):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.approvals_button)
        bar.addWidget(self.csv_button)
        layout.addLayout(bar)
        self.only_label = QLabel()
        self.only_label.setStyleSheet("background: #e8f4fd; color: #0d47a1; padding: 4px 8px;")
        self.only_label.hide()
        layout.addWidget(self.only_label)

        self.model = HistoryTableModel(_Source(session), self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setTabKeyNavigation(False)  # Tab leaves the table (arrow keys move between rows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setItemDelegate(SelectedTextDelegate(self.view))
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 10)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.view.horizontalHeader()
        widths = (130, 130, 110, 200, 90, 110, 240, 100, 130, 80, 48)
        for col, width in enumerate(widths):  # never narrower than the header's own text (English, 150 %)
            header.resizeSection(col, max(width, header.sectionSizeFromContents(col).width()))
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        layout.addWidget(self.view, 1)

        self.period_check.toggled.connect(self.from_edit.setEnabled)
        self.period_check.toggled.connect(self.to_edit.setEnabled)
        self.search_button.clicked.connect(self.apply_filter)
        self.patient_edit.returnPressed.connect(self.apply_filter)
        self.state_combo.activated.connect(lambda *_: self.apply_filter())
        self.staff_combo.activated.connect(lambda *_: self.apply_filter())
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.csv_button.clicked.connect(self._on_csv_clicked)
        self.approvals_button.clicked.connect(self.show_approvals)
        self.view.customContextMenuRequested.connect(self._on_context_menu)
        self.view.clicked.connect(self._on_cell_clicked)
        self.model.loaded.connect(self._on_loaded)
        session.events.billing_changed.connect(self.model.refresh)
        QShortcut(QKeySequence("F5"), self, self.model.refresh)
        for key in ("Shift+F10", "Menu"):  # the row menu without a mouse
            QShortcut(QKeySequence(key), self.view, self._on_menu_key)
        QShortcut(QKeySequence("Ctrl+F"), self, self._focus_patient)
        self._load_staff()
        self.refresh_approvals()
        session.events.billing_changed.connect(self.refresh_approvals)

    # -- 承認待ち ------------------------------------------------------------------------------

    def refresh_approvals(self) -> None:
        """Show how many refunds wait for a second 管理者 on the 承認待ち button."""
        if not self.session.may(Permission.APPROVE_REFUND):
            return
        s = self.session

        def show(pending: list[PendingRefund]) -> None:
            self.approvals_button.setText(self.tr("承認待ち（{n}件）").format(n=len(pending)) if pending
                                          else self.tr("承認待ち"))

        async_ops.run_op(s.actions.pending_refunds(s.clinic.id), on_success=show, name="approvals")

    def show_approvals(self) -> None:
        """承認待ち: the waiting refunds, each to approve (another 管理者) or withdraw."""
        from desktop.ui.dialogs.approvals_dialog import ApprovalsDialog

        dialog = ApprovalsDialog(self.session, self)
        dialog.changed.connect(lambda: self.session.events.billing_changed.emit())
        self.approvals_dialog = dialog
        dialog.open()

    # -- filters -----------------------------------------------------------------------------

    def _load_staff(self) -> None:
        s = self.session

        def fill(staff: list[tuple[int, str]]) -> None:
            for sid, name in staff:
                self.staff_combo.addItem(name, sid)

        async_ops.run_op(s.actions.staff_names(s.clinic.id), on_success=fill)

    def current_filter(self) -> HistoryFilter:
        state = self.state_combo.currentData()
        return HistoryFilter(
            date_from=_pydate(self.from_edit.date()) if self.period_check.isChecked() else None,
            date_to=_pydate(self.to_edit.date()) if self.period_check.isChecked() else None,
            states=frozenset({BillingState(state)}) if state else frozenset(),
            patient=self.patient_edit.text(), staff_id=self.staff_combo.currentData(),
            request_id=self._only_request,
        )

    def show_request(self, request_id: int) -> None:
        """Show only request ``request_id`` (an event opened from 操作履歴); クリア shows them all again."""
        self._only_request = request_id
        self.only_label.setText(self.tr("請求ID {id} のみ表示中（クリアで全件表示）").format(id=request_id))
        self.only_label.show()
        self.apply_filter()

    def _focus_patient(self) -> None:
        self.patient_edit.setFocus()
        self.patient_edit.selectAll()

    def apply_filter(self) -> None:
        self.model.reload(self.current_filter())

    def _on_clear_clicked(self) -> None:
        self._only_request = None
        self.only_label.hide()
        self.period_check.setChecked(False)
        self.state_combo.setCurrentIndex(0)
        self.staff_combo.setCurrentIndex(0)
        self.patient_edit.clear()
        self.apply_filter()

    def _on_loaded(self, total: int) -> None:
        self.count_label.setText(self.tr("{n:,} 件").format(n=total))

    # -- the row menu ------------------------------------------------------------------------

    def row_menu(self, row: HistoryRow) -> QMenu:
        menu = QMenu(self)
        manager = self.session.is_manager
        refund = menu.addAction(self.tr("返金する") if manager else self.tr("返金する（管理者のみ）"))
        refund.setEnabled(manager and row.refundable and row.id not in self._in_flight)
        refund.triggered.connect(lambda: self.refund(row))
        may_cancel = self.session.may(Permission.REQUEST)
        cancel = menu.addAction(self.tr("請求を取り消す") if may_cancel else self.tr("請求を取り消す（受付・管理者のみ）"))
        cancel.setEnabled(may_cancel and row.cancellable and row.id not in self._in_flight)
        cancel.triggered.connect(lambda: self.cancel(row))
        remind = menu.addAction(self.tr("リマインダーを送る") if may_cancel
                                else self.tr("リマインダーを送る（受付・管理者のみ）"))
        remind.setEnabled(may_cancel and row.cancellable and row.id not in self._in_flight)
        remind.triggered.connect(lambda: self.remind(row))
        return menu

    def _show_menu(self, index: QModelIndex, pos: QPoint) -> None:
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        self.view.selectRow(index.row())
        menu = self.row_menu(row)
        first = next((a for a in menu.actions() if a.isEnabled()), None)
        if first is not None:
            menu.setActiveAction(first)  # arrow keys and Enter work at once
        menu.popup(pos)

    def _on_context_menu(self, pos: QPoint) -> None:
        self._show_menu(self.view.indexAt(pos), self.view.viewport().mapToGlobal(pos))

    def _on_menu_key(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0, 0)
            self.view.setCurrentIndex(index)
        rect = self.view.visualRect(index.siblingAtColumn(ACTIONS_COLUMN))
        self._show_menu(index, self.view.viewport().mapToGlobal(rect.bottomLeft()))

    def _on_cell_clicked(self, index: QModelIndex) -> None:
        if index.column() == ACTIONS_COLUMN:
            rect = self.view.visualRect(index)
            self._show_menu(index, self.view.viewport().mapToGlobal(rect.bottomLeft()))

    # -- actions -----------------------------------------------------------------------------

    def refund(self, row: HistoryRow) -> None:
        values = RefundDialog.ask(self, row)
        if values is not None:
            self.run_refund(row, values)

    def run_refund(self, row: HistoryRow, values: RefundInput) -> None:
        s = self.session
        self._in_flight.add(row.id)
        messages.info(self.tr("返金処理中…"))
        work = s.actions.refund(row.id, s.actor, values.amount, values.reason, approver=values.approver)

        def done(outcome: RefundOutcome) -> None:
            if outcome.approval_id is not None:
                messages.info(self.tr("返金を承認待ちにしました（{patient} 様・{amount}）。別の管理者が「承認待ち」から承認すると返金されます。").format(
                    patient=row.patient_name, amount=format_yen(outcome.amount)))
                return
            messages.info(self.tr("返金しました（{patient} 様・{amount}）。").format(
                patient=row.patient_name, amount=format_yen(outcome.amount)))

        task = async_ops.run_op(work, on_success=done, name="refund")
        task.add_done_callback(lambda _t: self._finish(row.id))
        self.model.refresh()  # shows 返金処理中 while PAY.JP answers

    def cancel(self, row: HistoryRow) -> None:
        if not ConfirmDialog.ask(self, self.tr("請求を取り消す"), self.tr("この請求を取り消しますか？決済用リンクはすぐに使えなくなります。"),
                                 self.tr("請求を取り消す")):
            return
        s = self.session
        self._in_flight.add(row.id)
        task = async_ops.run_op(s.actions.cancel_request(row.id, s.actor),
                                on_success=lambda _: messages.info(self.tr("請求を取り消しました。")), name="cancel")
        task.add_done_callback(lambda _t: self._finish(row.id))

    def remind(self, row: HistoryRow) -> None:
        """リマインダーを送る: the patient gets the link again by mail (once per request)."""
        if not ConfirmDialog.ask(self, self.tr("リマインダーを送る"),
                                 self.tr("{patient} 様に、お支払いのお願い（{amount}）のリマインダーをメールで送りますか？"
                                         "リマインダーは1件の請求につき1回です。").format(
                                     patient=row.patient_name, amount=format_yen(row.amount)),
                                 self.tr("送信する")):
            return
        s = self.session
        self._in_flight.add(row.id)
        task = async_ops.run_op(
            s.actions.send_reminder(row.id, s.actor), name="remind",
            on_success=lambda _: messages.info(self.tr("{patient} 様にリマインダーを送りました。").format(
                patient=row.patient_name)))
        task.add_done_callback(lambda _t: self._finish(row.id))

    def _finish(self, request_id: int) -> None:
        self._in_flight.discard(request_id)
        self.session.events.billing_changed.emit()

    def _on_csv_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("CSV出力"), str(pathlib.Path.home() / self.tr("決済履歴.csv")),
                                              self.tr("CSVファイル (*.csv)"))
        if path:
            self.export_csv(pathlib.Path(path))

    def export_csv(self, path: pathlib.Path) -> None:
        s = self.session
        work = s.actions.export_csv(s.actor, s.clinic.id, self.current_filter(), path,
                                   headers=[self.tr(h) for h in CSV_HEADERS], state_labels=i18n.state_labels(),
                                   lang=i18n.language())
        async_ops.run_op(work, busy=[self.csv_button], busy_text=self.tr("処理中…"),
                         on_success=lambda n: messages.info(
                             self.tr("CSVを出力しました（{n:,} 件）: {path}").format(n=n, path=path)))

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self.model.total == 0:
            self.apply_filter()
