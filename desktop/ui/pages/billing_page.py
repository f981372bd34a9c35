"""決済管理: every billing request, newest first, with filters, CSV export and the row menu (返金する)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib

from PySide6.QtCore import QDate, QModelIndex, QPoint, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit
from PySide6.QtWidgets import QMenu, QPushButton, QVBoxLayout, QWidget

from desktop.domain.billing import BillingState
from desktop.domain.formatting import JST, format_yen
from desktop.domain.staff import Permission
from desktop.services.billing import RefundOutcome
from desktop.services.billing.refunds import PendingRefund
from desktop.services.history import HistoryFilter, HistoryRow
from desktop.ui import async_ops, i18n, messages
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog, confirm_cancel_request
from desktop.ui.dialogs.refund_dialog import RefundDialog, RefundInput
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.models.columns import HISTORY_COLUMNS
from desktop.ui.models.history_model import HistoryTableModel
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import ColumnFitter, GuardedMenu, row_view

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
               QT_TRANSLATE_NOOP("BillingPage", "返金日時"),
               # added after the columns above, so a spreadsheet made for them still reads them
               QT_TRANSLATE_NOOP("BillingPage", "PAY.JP課金ID"),
               QT_TRANSLATE_NOOP("BillingPage", "カードブランド"),
               QT_TRANSLATE_NOOP("BillingPage", "カード下4桁"),
               QT_TRANSLATE_NOOP("BillingPage", "返金理由"))


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


@dataclasses.dataclass(frozen=True)
class BillingView:
    """What 決済管理 shows: its filter (dates in JST), the one request shown alone, the chosen request."""

    period: bool
    date_from: dt.date
    date_to: dt.date
    state: str | None
    patient: str
    staff_id: int | None
    only_request: int | None
    request_id: int | None


class BillingPage(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._in_flight: set[int] = set()
        self._only_request: int | None = None
        self._selected_request: int | None = None  # the request staff chose, kept by id across reloads
        self._reselecting = False
        self._staff_wanted: int | None = None
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
        self.view = row_view(self.model, stripes=True)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 10)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.view.horizontalHeader()
        fm = self.view.fontMetrics()
        stamp = fm.horizontalAdvance("2026/12/31 23:59") + 16
        states = max(fm.horizontalAdvance(i18n.state_label(st)) for st in BillingState) + 16
        widths = (stamp, stamp, 110, 200, fm.horizontalAdvance("¥9,999,999") + 16, 110, 240, states, stamp,
                  fm.horizontalAdvance("¥9,999,999") + 16, 48)
        for col, width in enumerate(widths):  # never narrower than the header's own text (English, 150 %)
            header.resizeSection(col, max(width, header.sectionSizeFromContents(col).width()))
        header.setStretchLastSection(False)
        # 患者名, 予約内容, 請求スタッフ and 伝達事項 give way (their text elided, whole in the tooltip),
        # so 状態 and ⋯ stay on screen with ☰ open at 1280 px
        least = {c: header.sectionSizeFromContents(c).width() for c in (2, 3, 5, 6)}
        self.column_fitter = ColumnFitter(self.view, {2: max(90, least[2]), 3: max(90, least[3]),
                                                      5: least[5], 6: max(60, least[6])})
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
        self.model.page_loaded.connect(lambda _page: self._reselect())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._on_selection_changed())
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
            if self._staff_wanted is not None:  # a restored filter named a staff member not listed yet
                self.staff_combo.setCurrentIndex(max(0, self.staff_combo.findData(self._staff_wanted)))
                self._staff_wanted = None
                self.apply_filter()

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
        self._reselect()

    def _on_selection_changed(self) -> None:
        if self._reselecting:
            return
        indexes = self.view.selectionModel().selectedRows()
        row = self.model.row_at(indexes[0].row()) if indexes else None
        if row is not None:
            self._selected_request = row.id

    def _reselect(self) -> None:
        """Select the chosen request again where it is now (a reload resets the table)."""
        if self._selected_request is None:
            return
        row = self.model.row_of(self._selected_request)
        self._reselecting = True
        try:
            if row is not None:
                self.view.selectRow(row)
            else:
                self.view.clearSelection()
        finally:
            self._reselecting = False

    def view_state(self) -> BillingView:
        """The filter and the chosen request (kept across a change of language)."""
        return BillingView(self.period_check.isChecked(), _pydate(self.from_edit.date()), _pydate(self.to_edit.date()),
                           self.state_combo.currentData(), self.patient_edit.text(), self.staff_combo.currentData(),
                           self._only_request, self._selected_request)

    def restore_view_state(self, state: BillingView) -> None:
        self.period_check.setChecked(state.period)
        self.from_edit.setDate(_qdate(state.date_from))
        self.to_edit.setDate(_qdate(state.date_to))
        self.state_combo.setCurrentIndex(max(0, self.state_combo.findData(state.state)))
        self.patient_edit.setText(state.patient)
        self._staff_wanted = state.staff_id
        self.staff_combo.setCurrentIndex(max(0, self.staff_combo.findData(state.staff_id)))
        self._selected_request = state.request_id
        if state.only_request is not None:
            self.show_request(state.only_request)
        else:
            self.apply_filter()

    # -- the row menu ------------------------------------------------------------------------

    def row_menu(self, row: HistoryRow) -> QMenu:
        menu = GuardedMenu(self)
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

    def _show_menu(self, index: QModelIndex, pos: QPoint, *, by_key: bool = True) -> None:
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        self.view.selectRow(index.row())
        menu = self.row_menu(row)
        first = next((a for a in menu.actions() if a.isEnabled()), None)
        if first is not None and by_key:
            menu.setActiveAction(first)  # arrow keys and Enter work at once
        menu.popup(pos)

    def _on_context_menu(self, pos: QPoint) -> None:
        # at the pointer, nothing highlighted: the release of the right-click picks nothing
        self._show_menu(self.view.indexAt(pos), self.view.viewport().mapToGlobal(pos), by_key=False)

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
            self._show_menu(index, self.view.viewport().mapToGlobal(rect.bottomLeft()), by_key=False)

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
        if not confirm_cancel_request(self, row.patient_name, row.amount):
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
