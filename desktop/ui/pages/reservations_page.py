"""予約管理: the list of one day's reservations (or a search) and the detail of the chosen one."""

from __future__ import annotations

import dataclasses
import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QHeaderView, QLineEdit, QPushButton, QSplitter, QVBoxLayout
from PySide6.QtWidgets import QWidget

from desktop.domain.errors import UserError
from desktop.domain.formatting import JST
from desktop.services.front_desk import ReservationDetail, ReservationRow
from desktop.services.booking import Booking
from desktop.ui import async_ops, i18n, messages
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.dialogs.reservation_dialog import ReservationDialog, ReservationInput
from desktop.ui.models.reservation_model import ROW_ROLE, ReservationTableModel
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import row_view
from desktop.ui.widgets.reservation_detail import ReservationDetailPanel


LIST_SHARE = 0.5  # of the height the list and the detail share: ~6 rows at 1366×768, ~4 at 1280×720 and 150 %


@dataclasses.dataclass(frozen=True)
class ReservationsView:
    """What 予約管理 shows: ``day`` (JST), the search text and the chosen reservation's id."""

    day: dt.date
    search: str
    reservation_id: int | None


class ReservationsPage(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._selected_id: int | None = None  # the reservation staff chose, kept by id
        self._applying = False  # the list is being refilled: its selection changes are not staff's
        self._seq = 0
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.prev_button = QPushButton("◀ " + self.tr("前日"))
        self.prev_button.setShortcut(QKeySequence("Alt+Left"))
        self.prev_button.setToolTip(self.tr("前日 (Alt+←)"))
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy/MM/dd (ddd)")
        today = dt.datetime.now(JST).date()
        self.date_edit.setDate(QDate(today.year, today.month, today.day))
        self.next_button = QPushButton(self.tr("翌日") + " ▶")
        self.next_button.setShortcut(QKeySequence("Alt+Right"))
        self.next_button.setToolTip(self.tr("翌日 (Alt+→)"))
        self.today_button = QPushButton(self.tr("今日"))
        self.today_button.setShortcut(QKeySequence("Ctrl+T"))
        self.today_button.setToolTip(self.tr("今日 (Ctrl+T)"))
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("患者名で検索") + " (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self.new_button = QPushButton(self.tr("新規予約"))
        self.new_button.setShortcut(QKeySequence("Ctrl+N"))
        self.new_button.setToolTip(self.tr("新規予約") + " (Ctrl+N)")
        for w in (self.prev_button, self.date_edit, self.next_button, self.today_button):
            bar.addWidget(w)
        bar.addWidget(self.search_edit, 1)
        bar.addWidget(self.new_button)
        layout.addLayout(bar)

        self.model = ReservationTableModel(self)
        self.view = row_view(self.model, stretch_column=3, stripes=True)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 10)  # as 決済管理
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.detail = ReservationDetailPanel(session)
        # the list and the detail share the height in proportion (LIST_SHARE, or where staff put the
        # divider this run of the app), the detail never below what it needs to be read
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(self.detail)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)
        splitter.splitterMoved.connect(lambda *_: self._remember_share())

        QShortcut(QKeySequence("Ctrl+F"), self, self.search_edit.setFocus)
        QShortcut(QKeySequence("F5"), self, self.reload)
        self.prev_button.clicked.connect(lambda: self._shift_day(-1))
        self.next_button.clicked.connect(lambda: self._shift_day(1))
        self.today_button.clicked.connect(self._on_today_clicked)
        self.date_edit.dateChanged.connect(lambda *_: self.reload())
        self.search_edit.textChanged.connect(lambda *_: self.reload())
        self.new_button.clicked.connect(self._on_new_clicked)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._on_selection_changed())
        self.detail.changed.connect(self.reload)
        session.events.billing_changed.connect(self.reload)
        session.events.menus_changed.connect(self.reload)
        d = self.detail
        chain = (self.prev_button, self.date_edit, self.next_button, self.today_button, self.search_edit,
                 self.new_button, self.view, d.status_combo, d.edit_patient_button, d.request_button, d.cancel_button, d.rerequest_button,
                 d.history_view)
        for a, b in zip(chain, chain[1:]):
            self.setTabOrder(a, b)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._apply_share()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._apply_share()

    def list_share(self) -> float:
        """The part (0–1) of the height the reservation list is meant to have."""
        remembered = self.session.screen.reservations_list_share
        return LIST_SHARE if remembered is None else remembered

    def _apply_share(self) -> None:
        total = sum(self.splitter.sizes())
        if total > 0:
            top = round(total * self.list_share())
            self.splitter.setSizes([top, total - top])  # the detail's minimum height wins over the share

    def _remember_share(self) -> None:
        """Staff moved the divider: keep that proportion for the rest of this run of the app."""
        sizes = self.splitter.sizes()
        if sum(sizes) > 0:
            self.session.screen.reservations_list_share = sizes[0] / sum(sizes)

    def day(self) -> dt.date:
        d = self.date_edit.date()
        return dt.date(d.year(), d.month(), d.day())

    def set_day(self, day: dt.date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    def _shift_day(self, days: int) -> None:
        self.date_edit.setDate(self.date_edit.date().addDays(days))

    def _on_today_clicked(self) -> None:
        self.search_edit.clear()
        self.set_day(dt.datetime.now(JST).date())

    def reload(self) -> None:
        s = self.session
        work = s.actions.reservations(s.clinic.id, self.day(), self.search_edit.text())
        self._seq += 1
        seq = self._seq

        def show(rows: list[ReservationRow]) -> None:
            if seq == self._seq:  # an older answer arriving late is dropped
                self._show_rows(rows)

        async_ops.run_op(work, on_success=show, name="reservations")

    def _show_rows(self, rows: list[ReservationRow]) -> None:
        """Show ``rows`` keeping the chosen reservation by its id: when a search or another day hides
        it, nothing is selected (the detail is empty) and it is selected again once it is listed."""
        keep = self._selected_id
        self._applying = True
        try:
            self.model.set_rows(rows)
            row = self.model.row_of(keep) if keep is not None else (0 if rows else None)
            if row is not None:
                self.view.selectRow(row)
                self.view.scrollTo(self.model.index(row, 0))
            else:
                self.view.clearSelection()
        finally:
            self._applying = False
        shown = self.selected_id()
        if keep is None:
            self._selected_id = shown
        self.detail.show_reservation(shown)

    def selected_id(self) -> int | None:
        """The reservation selected in the list (None when the list shows none)."""
        indexes = self.view.selectionModel().selectedRows()
        row = self.model.data(indexes[0], ROW_ROLE) if indexes else None
        return row.id if isinstance(row, ReservationRow) else None

    def select_reservation(self, reservation_id: int) -> None:
        row = self.model.row_of(reservation_id)
        if row is not None:
            self.view.selectRow(row)

    def show_reservation(self, reservation_id: int) -> None:
        """Select reservation ``reservation_id`` on its own day (an event opened from 操作履歴 or 要対応)."""

        def show(detail: ReservationDetail | None) -> None:
            if detail is None:
                return
            self._selected_id = reservation_id
            self.search_edit.blockSignals(True)
            self.search_edit.clear()
            self.search_edit.blockSignals(False)
            day = detail.starts_at.astimezone(JST).date()
            if day != self.day():
                self.set_day(day)  # reloads
            else:
                self.reload()

        async_ops.run_op(self.session.actions.reservation(reservation_id), on_success=show, name="reservation")

    def _on_selection_changed(self) -> None:
        if self._applying:
            return
        new_id = self.selected_id()
        if new_id is not None:
            self._selected_id = new_id
        self.detail.show_reservation(new_id)

    def view_state(self) -> ReservationsView:
        """The day, the search and the chosen reservation (kept across a change of language)."""
        return ReservationsView(self.day(), self.search_edit.text(), self._selected_id)

    def restore_view_state(self, state: ReservationsView) -> None:
        self._selected_id = state.reservation_id
        self.search_edit.blockSignals(True)
        self.search_edit.setText(state.search)
        self.search_edit.blockSignals(False)
        if state.day != self.day():
            self.set_day(state.day)  # reloads
        else:
            self.reload()

    def _on_new_clicked(self) -> None:
        s = self.session
        async_ops.run_op(self._load_choices(), busy=[self.new_button], on_success=self._ask_new)

    async def _load_choices(self) -> tuple[list, list]:  # type: ignore[type-arg]
        s = self.session
        patients = await s.actions.patients(s.clinic.id)
        menus = await s.actions.menus(s.clinic.id)
        return patients, menus

    def _ask_new(self, choices: tuple[list, list]) -> None:  # type: ignore[type-arg]
        detail = self.detail.detail  # the selected reservation's patient is the one on the phone
        patient_id = detail.patient.id if detail is not None and detail.id == self.selected_id() else None
        values = ReservationDialog.ask(self, choices[0], choices[1], self.day(), session=self.session,
                                       patient_id=patient_id)
        if values is not None:
            self.create_reservation(values)

    def create_reservation(self, values: ReservationInput) -> None:
        """予約の登録 of ``values``; a patient already booked within 30 minutes is asked about first."""
        s = self.session

        def check(near: list[ReservationRow]) -> None:
            if near:
                first = near[0]
                if not ConfirmDialog.ask(
                        self, self.tr("同じ時間帯の予約"),
                        self.tr("{patient} 様には {time} に予約があります（{menu}）。同じ時間帯にもう1件登録しますか？").format(
                            patient=first.patient_name, menu=first.menu_name,
                            time=f"{first.starts_at.astimezone(JST):%Y/%m/%d %H:%M}"),
                        self.tr("登録する"), keep_text=self.tr("登録しない")):
                    messages.info(self.tr("予約を登録しませんでした。"))
                    return
            self._book(values)

        async_ops.run_op(s.actions.reservations_near(s.clinic.id, values.patient_id, values.starts_at),
                         on_success=lambda near: async_ops.call_soon_outside(lambda: check(near)),
                         name="reservations-near")

    def _book(self, values: ReservationInput) -> None:
        s = self.session
        # a 事前決済 menu's price is requested at once (mail, or 自動決済): PAY.JP may be called
        work = s.actions.book(s.clinic.id, s.actor, patient_id=values.patient_id,
                              menu_id=values.menu_id, starts_at=values.starts_at.astimezone(dt.timezone.utc),
                                     message=values.message, attachments=values.attachments)

        def done(booking: Booking) -> None:
            if booking.pre_payment_error is not None:
                messages.error(self.tr("予約を登録しましたが、事前決済を請求できませんでした: {reason} "
                                       "直したあと、予約詳細の「事前決済を請求」で送れます。").format(
                    reason=booking.pre_payment_error.message(i18n.language())))
            elif booking.pre_payment is not None and booking.pre_payment.auto_charged:
                messages.info(self.tr("予約を登録し、登録済みカードで事前決済しました。"))
            elif booking.pre_payment is not None and booking.pre_payment.auto_charge_error is not None:
                # a saved card, but not charged (over the cap, declined…): the link went by mail, say why
                error = booking.pre_payment.auto_charge_error
                if error.code != "auto_charge_over_cap":
                    error = UserError("auto_charge_fell_back", reason=error)
                messages.warning(self.tr("予約を登録しました。") + " " + error.message(i18n.language()))
            elif booking.pre_payment is not None:
                messages.info(self.tr("予約を登録し、事前決済の請求メールを送信しました。"))
            else:
                messages.info(self.tr("予約を登録しました。"))
            reservation_id = booking.reservation_id
            self._selected_id = reservation_id
            self.search_edit.clear()
            self.set_day(values.starts_at.date())
            self.reload()

        async_ops.run_op(work, busy=[self.new_button], on_success=done, name="create-reservation")
