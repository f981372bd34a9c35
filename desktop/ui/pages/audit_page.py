"""操作履歴 (経理, 管理者): the audit log with filters (period, staff, action, patient), CSV for Excel,
and a double click (or Enter) that opens the record an event concerns.

The list is current: it is read again each time the page is shown, and while it is shown whenever
something is recorded (a request, a refund, a setting saved — here, on another PC or by a patient),
keeping the filters, the chosen event and the place in the list. One read runs at a time; asks that
come meanwhile are answered by one more read with the newest filters, so an older answer never
replaces a newer one.

Signals: ``open_record(entity_type, entity_id)`` — the window shows that request, reservation or screen.
"""

from __future__ import annotations

import pathlib
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QPushButton, QTableWidgetItem, QVBoxLayout
from PySide6.QtWidgets import QWidget

from desktop.domain.formatting import JST
from desktop.services.audit_log import AuditFilter, AuditRow, action_label, row_summary, target_text
from desktop.services.staff import StaffAccount
from desktop.ui import async_ops, i18n, messages
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.dialogs.sign_in_dialog import staff_text
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import FittedCombo, PeriodFilter, ask_save_path, button_bar, open_on_activate
from desktop.ui.widgets.common import row_table

# the action filter: groups of audited actions as the clinic thinks of them
ACTION_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (QT_TRANSLATE_NOOP("AuditPage", "請求・決済"), ("request_created", "request_cancelled", "request_replaced", "request_expired", "payment_started",
                "payment_succeeded", "payment_failed", "duplicate_charge", "receipt_issued", "reminder_sent",
                "payjp_reconciled", "difference_checked", "day_closed")),
    (QT_TRANSLATE_NOOP("AuditPage", "返金"), ("refund_started", "refund_succeeded", "refund_failed", "refund_observed", "refund_approval_requested",
            "refund_approval_withdrawn")),
    (QT_TRANSLATE_NOOP("AuditPage", "予約・患者"), ("reservation_created", "reservation_status_changed", "patient_created", "patient_updated",
               "card_saved", "card_removed")),
    (QT_TRANSLATE_NOOP("AuditPage", "メニュー"), ("menu_created", "menu_updated", "menu_deleted", "menu_archived")),
    (QT_TRANSLATE_NOOP("AuditPage", "設定"), ("clinic_created", "clinic_updated", "tenant_registered", "review_status_changed",
                                                     "platform_fee_rate_changed", "setup_finished", "live_check_started",
                                                     "live_check_finished", "key_proof_opened")),
    (QT_TRANSLATE_NOOP("AuditPage", "スタッフ"), ("staff_created", "staff_renamed", "staff_role_changed", "staff_enabled", "staff_disabled",
              "staff_password_reset", "staff_pin_set", "staff_pin_cleared")),
    (QT_TRANSLATE_NOOP("AuditPage", "サインイン・ロック"), ("signed_in", "switched", "unlocked", "approved_by", "signed_out", "screen_locked",
                   "sign_in_failed")),
    (QT_TRANSLATE_NOOP("AuditPage", "CSV出力"), ("history_exported", "audit_exported")),
)


STAFF_FILTER_MAX_WIDTH = 260  # px; a longer name is shortened with "…" (whole in its tooltip)
ACTION_FILTER_MAX_WIDTH = 220


def _changes(row: AuditRow) -> str:
    """before → after of each field, short, by the field's name and in words people use (names instead of
    ids, ¥ amounts, JST times; secrets are stored as "changed" only)."""
    return row_summary(row, i18n.language())


class AuditPage(QWidget):
    open_record = Signal(str, str)

    COLUMNS = (QT_TRANSLATE_NOOP("AuditPage", "日時"), QT_TRANSLATE_NOOP("AuditPage", "スタッフ"),
               QT_TRANSLATE_NOOP("AuditPage", "操作"), QT_TRANSLATE_NOOP("AuditPage", "対象"),
               QT_TRANSLATE_NOOP("AuditPage", "患者名"), QT_TRANSLATE_NOOP("AuditPage", "内容"))

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.rows: list[AuditRow] = []
        self._asked = 0  # reads asked for; only an answer to the latest one is shown
        self._reading = False  # a read is under way (the next one starts when it answers)
        self._keep_place = True  # the read asked for keeps the scroll position (a refresh, not a search)
        layout = QVBoxLayout(self)
        self.period = PeriodFilter(days=7, checked=True)
        # as wide as the longest name with its role (or group), so far as the row still fits at 150 %
        self.staff_combo = FittedCombo(STAFF_FILTER_MAX_WIDTH)
        self.staff_combo.addItem(self.tr("すべて"), None)
        self.action_combo = FittedCombo(ACTION_FILTER_MAX_WIDTH)
        self.action_combo.addItem(self.tr("すべて"), None)
        for name, _actions in ACTION_GROUPS:
            self.action_combo.addItem(self.tr(name), name)
        self.patient_edit = QLineEdit()
        self.patient_edit.setPlaceholderText(self.tr("患者名"))
        self.patient_edit.setClearButtonEnabled(True)
        self.search_button = QPushButton(self.tr("検索"))
        self.csv_button = QPushButton(self.tr("CSV出力"))
        self.count_label = QLabel()
        layout.addLayout(button_bar(
            self.period, QLabel(self.tr("スタッフ")), self.staff_combo, QLabel(self.tr("操作")), self.action_combo,
            QLabel(self.tr("患者名")), self.patient_edit, self.search_button, None, self.count_label, self.csv_button))

        self.table = row_table([self.tr(c) for c in self.COLUMNS], stretch_column=5, object_name="auditTable",
                               widths=(150, 140, 170, 175, 130))
        self.table.setAlternatingRowColors(True)
        self.table.setToolTip(self.tr("ダブルクリックで対象の画面を開きます"))
        layout.addWidget(self.table, 1)

        self.search_button.clicked.connect(self.reload)
        self.patient_edit.returnPressed.connect(self.reload)
        self.staff_combo.activated.connect(lambda *_: self.reload())
        self.action_combo.activated.connect(lambda *_: self.reload())
        self.csv_button.clicked.connect(self._on_csv_clicked)
        open_on_activate(self.table, self.open_row)
        events = session.events
        for signal in (events.audit_recorded, events.billing_changed, events.reservations_changed,
                       events.menus_changed, events.clinic_changed):
            signal.connect(self._on_recorded)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._load_staff()  # staff added or renamed in スタッフ管理 since
        self.refresh()  # what was recorded while another page was shown

    def _on_recorded(self) -> None:
        if self.isVisible():  # hidden, it reads the list when it is shown next
            self.refresh()

    def _load_staff(self) -> None:
        """The スタッフ filter: すべて, then every account (disabled ones too: their events stay), as
        スタッフ管理 has them now; the one chosen stays chosen."""
        s = self.session

        def fill(accounts: list[StaffAccount]) -> None:
            chosen = self.staff_combo.currentData()
            while self.staff_combo.count() > 1:
                self.staff_combo.removeItem(1)
            for a in accounts:
                self.staff_combo.addItem(staff_text(a.name, a.role), a.id)
            self.staff_combo.setCurrentIndex(max(0, self.staff_combo.findData(chosen)))

        async_ops.run_op(s.actions.staff_accounts(s.clinic.id, include_disabled=True), on_success=fill,
                         name="audit-staff")

    def current_filter(self) -> AuditFilter:
        group = self.action_combo.currentData()
        actions = next((a for name, a in ACTION_GROUPS if name == group), ())
        date_from, date_to = self.period.period()
        return AuditFilter(
            date_from=date_from, date_to=date_to, staff_id=self.staff_combo.currentData(), actions=frozenset(actions), patient=self.patient_edit.text())

    def reload(self) -> None:
        """Search with the filters as set now (検索, Enter, a filter chosen): from the top of the list,
        the chosen event kept chosen if it is still listed."""
        self._ask(keep_place=False)

    def refresh(self) -> None:
        """Read the list again with the same filters, keeping the chosen event and the place in the list
        (new events appear at the top; a list scrolled down stays on the events it showed)."""
        self._ask(keep_place=True)

    def _ask(self, *, keep_place: bool) -> None:
        self._keep_place = keep_place if not self._reading else self._keep_place and keep_place
        self._asked += 1
        if not self._reading:
            self._read()

    def _read(self) -> None:
        s = self.session
        self._reading = True
        asked, keep_place = self._asked, self._keep_place

        def answered() -> bool:
            """Whether this answer is the newest ask's; if not, the newest ask is read now."""
            self._reading = False
            if asked != self._asked:
                self._read()
                return False
            return True

        def show(rows: list[AuditRow]) -> None:
            if answered():
                self._show(rows, keep_place=keep_place)

        def failed(_exc: BaseException) -> bool:
            return not answered()  # an error of a read nobody waits for any more is not shown

        async_ops.run_op(s.actions.audit_events(s.actor, s.clinic.id, self.current_filter()), on_success=show,
                         on_failure=failed, busy=[] if keep_place else [self.search_button], name="audit")

    def _show(self, rows: list[AuditRow], *, keep_place: bool) -> None:
        table = self.table
        chosen = self._selected_id()
        top = table.rowAt(0)  # the first event in view: it stays first unless the list was at its top
        anchor = self.rows[top].id if keep_place and table.verticalScrollBar().value() > 0 and top >= 0 else None
        self.rows = rows
        lang = i18n.language()
        actors = {"patient": self.tr("患者"), "payjp": "PAY.JP", "system": self.tr("システム")}
        table.setUpdatesEnabled(False)
        try:
            table.clearSelection()
            table.setRowCount(len(rows))
            for r, row in enumerate(rows):
                staff = row.staff_name or actors.get(row.actor, "")
                target = target_text(row, lang)
                values = (row.at.astimezone(JST).strftime("%Y/%m/%d %H:%M:%S"), staff, action_label(row.action, lang),
                          target, row.patient_name, _changes(row))
                for c, text in enumerate(values):
                    item = QTableWidgetItem(text)
                    if c == 5:
                        item.setToolTip(text)
                    table.setItem(r, c, item)
            ids = {row.id: r for r, row in enumerate(rows)}
            if chosen in ids:
                table.selectRow(ids[chosen])
            if anchor in ids:
                table.scrollTo(table.model().index(ids[anchor], 0), QAbstractItemView.ScrollHint.PositionAtTop)
            elif anchor is None:
                table.scrollToTop()
        finally:
            table.setUpdatesEnabled(True)
        self.count_label.setText(self.tr("{n:,} 件").format(n=len(rows)))

    def _selected_id(self) -> int | None:
        """The id of the event chosen in the list, or None."""
        chosen = self.table.selectionModel().selectedRows()
        index = chosen[0].row() if chosen else -1
        return self.rows[index].id if 0 <= index < len(self.rows) else None

    def open_row(self, index: int) -> None:
        """Open the record the event concerns (the window decides where)."""
        if 0 <= index < len(self.rows):
            row = self.rows[index]
            self.open_record.emit(row.entity_type, row.entity_id)

    def _on_csv_clicked(self) -> None:
        path = ask_save_path(self, self.tr("CSV出力"), self.tr("操作履歴.csv"), self.tr("CSVファイル (*.csv)"))
        if path is not None:
            self.export_csv(path)

    def export_csv(self, path: pathlib.Path) -> None:
        s = self.session
        work = s.actions.export_audit_csv(s.actor, s.clinic.id, self.current_filter(), path, lang=i18n.language())

        def done(n: Any) -> None:
            messages.info(self.tr("CSVを出力しました（{n:,} 件）: {path}").format(n=n, path=path))

        async_ops.run_op(work, busy=[self.csv_button], on_success=done, name="audit-csv")

