"""The reservation detail: 予約ステータス, メニュー, 決済タイミング, the patient, and its billing history,
with 後決済請求, 請求を取り消す and 再請求.

Signals:
    changed: this panel changed a reservation or a request (the list re-reads itself).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.domain.billing import BillingState
from desktop.domain.clinic import ReservationStatus
from desktop.domain.errors import StateError, UserError, ValidationError
from desktop.domain.formatting import format_jst_datetime, format_yen
from desktop.services.billing import AutoChargePlan, RequestOutcome, VisitCancelled
from desktop.services.front_desk import PatientInfo, ReservationDetail
from desktop.services.history import HistoryRow
from desktop.services.timeline import TimelineEntry
from desktop.ui import async_ops, i18n, messages
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog, confirm_cancel_request
from desktop.ui.dialogs.patient_dialog import PatientDialog
from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog, PaymentRequestInput
from desktop.ui.dialogs.refund_dialog import RefundDialog
from desktop.ui.dialogs.timeline_dialog import TimelineDialog
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.models.columns import decline_text
from desktop.ui.models.history_model import ROW_ROLE, RequestListModel
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import ElidedLabel, row_view
from desktop.ui.widgets.patient_box import EDIT_SHORTCUT, PatientBox

EMAIL_HINT = QT_TRANSLATE_NOOP("ReservationDetailPanel",
                               "患者情報の「編集」ボタン（{shortcut}）からメールアドレスを登録・修正できます。")


FORM_SPACING = 2  # px between the lines of 予約詳細 and 患者情報: compact, so the reservation list keeps its room


def _value_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ReservationDetailPanel(QWidget):
    changed = Signal()

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.detail: ReservationDetail | None = None
        self._reservation_id: int | None = None
        # 自動決済 for the shown reservation's patient (fetched with the detail; the 確認 step says it)
        self._plan: AutoChargePlan | None = None
        self._plan_for: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.title = QLabel(self.tr("予約を選択してください"))
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        layout.addWidget(self.title)

        top = QHBoxLayout()
        box = QGroupBox(self.tr("予約詳細"))
        form = QFormLayout(box)
        form.setVerticalSpacing(FORM_SPACING)
        form.setContentsMargins(9, 6, 9, 6)
        self.status_combo = QComboBox()
        for status in ReservationStatus:
            self.status_combo.addItem(i18n.reservation_status_label(status), status.value)
        self.menu_label, self.timing_label, self.when_label = _value_label(), _value_label(), _value_label()
        self.message_label, self.files_label = _value_label(), _value_label()
        form.addRow(self.tr("予約ステータス"), self.status_combo)
        form.addRow(self.tr("メニュー"), self.menu_label)
        form.addRow(self.tr("決済タイミング"), self.timing_label)
        form.addRow(self.tr("予約日時"), self.when_label)
        form.addRow(self.tr("伝達事項"), self.message_label)
        form.addRow(self.tr("添付ファイル"), self.files_label)
        top.addWidget(box, 1)
        self.patient_box = PatientBox()
        patient_form = self.patient_box.layout()
        if isinstance(patient_form, QFormLayout):
            patient_form.setVerticalSpacing(FORM_SPACING)
            patient_form.setContentsMargins(9, 6, 9, 6)
        self.patient_labels = self.patient_box.labels
        self.edit_patient_button = self.patient_box.edit_button
        self.patient_dialog: PatientDialog | None = None
        top.addWidget(self.patient_box, 1)
        layout.addLayout(top)

        actions = QHBoxLayout()
        # 事前決済 goes out at booking; this sends it by hand (no e-mail address then, a cancelled link)
        self.prepay_button = QPushButton(self.tr("事前決済を請求"))
        self.prepay_button.hide()
        self.request_button = QPushButton(self.tr("後決済請求"))
        self.request_button.setToolTip(self.tr("後決済請求") + " (Ctrl+P)")
        self.cancel_button = QPushButton(self.tr("請求を取り消す"))
        self.cancel_button.setToolTip(self.tr("請求を取り消す") + " (Ctrl+Shift+X)")
        self.rerequest_button = QPushButton(self.tr("再請求"))
        self.rerequest_button.setToolTip(self.tr("再請求") + " (Ctrl+R)")
        # keys of the page (any focus in the window): a key whose button is disabled says why instead
        for keys, button in (("Ctrl+P", self.request_button), ("Ctrl+Shift+X", self.cancel_button),
                             ("Ctrl+R", self.rerequest_button)):
            key = QShortcut(QKeySequence(keys), self)
            key.setContext(Qt.ShortcutContext.WindowShortcut)
            key.activated.connect(lambda b=button: self._press(b))
        self.request_hint = QLabel()
        self.request_hint.setStyleSheet("color: #666;")
        self.request_hint.setWordWrap(True)
        # カード拒否: the patient's newest card attempt on an unpaid request of this reservation failed
        self.decline_notice = ElidedLabel()
        self.decline_notice.setObjectName("declineNotice")
        self.decline_notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.decline_notice.setStyleSheet(
            "background: #fdecea; color: #8e1b10; border: 1px solid #f5c2bd; padding: 2px 8px;")
        self.decline_notice.hide()
        # 請求履歴 and what acts on it on one line, so the reservation list above keeps its room
        actions.addWidget(QLabel(self.tr("請求履歴")))
        actions.addSpacing(8)
        for widget in (self.prepay_button, self.request_button, self.cancel_button, self.rerequest_button):
            actions.addWidget(widget)
        actions.addWidget(self.request_hint, 1)
        actions.addWidget(self.decline_notice, 1)
        actions.addStretch(0)  # the buttons keep their width while neither says anything
        layout.addLayout(actions)
        self.history_model = RequestListModel(self)
        self.history_view = row_view(self.history_model, stretch_column=4)
        rows_high = self.history_view.fontMetrics().height() + 10
        self.history_view.verticalHeader().setDefaultSectionSize(rows_high)
        self.history_view.setMinimumHeight(rows_high * 4 + self.history_view.horizontalHeader().sizeHint().height() + 4)
        layout.addWidget(self.history_view, 1)

        self.status_combo.activated.connect(self._on_status_activated)
        self.history_view.doubleClicked.connect(lambda _i: self.show_timeline())
        self.history_view.setToolTip(self.tr("ダブルクリックで経過（メール・決済・返金）を表示します"))
        self.request_button.clicked.connect(self._on_request_clicked)
        self.prepay_button.clicked.connect(lambda: self.request_pre_payment())
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.rerequest_button.clicked.connect(self._on_rerequest_clicked)
        self.edit_patient_button.clicked.connect(lambda: self.edit_patient())
        self.history_view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._set_enabled(False)

    # -- loading -----------------------------------------------------------------------------

    def show_reservation(self, reservation_id: int | None) -> None:
        """Show reservation ``reservation_id``, or nothing at all (None: every field empty)."""
        self._reservation_id = reservation_id
        if reservation_id is None:
            self.detail = None
            self.title.setText(self.tr("予約を選択してください"))
            for label in (self.menu_label, self.timing_label, self.when_label, self.message_label, self.files_label):
                label.setText("")
            self.patient_box.show_patient(None)
            self.history_model.set_rows([])
            self._set_enabled(False)
            return
        async_ops.spawn(self._load(reservation_id), "reservation-detail")

    def reload(self) -> None:
        self.show_reservation(self._reservation_id)

    async def _load(self, reservation_id: int) -> None:
        actions = self.session.actions
        try:
            detail = await actions.reservation(reservation_id)
            rows = await actions.requests_for_reservation(reservation_id)
        except Exception as exc:  # noqa: BLE001
            messages.exception(exc)
            return
        if reservation_id != self._reservation_id or detail is None:
            return
        self._show(detail, rows)
        try:  # what the 確認 step of 後決済請求 will say about a saved card (自動決済)
            plan = await actions.auto_charge_plan(self.session.actor, reservation_id, detail.menu.price or 0)
        except Exception:  # noqa: BLE001 - e.g. 経理 may not request: the 確認 step then says nothing
            plan = None
        if reservation_id == self._reservation_id:
            self._plan, self._plan_for = plan, reservation_id

    def _show(self, d: ReservationDetail, rows: list[HistoryRow]) -> None:
        selected = self.selected_request()
        self.detail = d
        lang = i18n.language()
        self.title.setText(f"{d.patient.name} — {format_jst_datetime(d.starts_at, lang)}")
        self.status_combo.setCurrentIndex(self.status_combo.findData(d.status.value))
        # a menu without a set price (decided at the visit) shows no 「（¥0）」
        self.menu_label.setText(f"{d.menu.name}（{format_yen(d.menu.price)}）" if d.menu.price else d.menu.name)
        card = self.tr("あり") if d.menu.card_payment else self.tr("なし")
        card_text = self.tr("クレジットカード決済")
        self.timing_label.setText(f"{i18n.timing_label(d.menu.payment_timing)}　／　{card_text}: {card}")
        self.when_label.setText(format_jst_datetime(d.starts_at, lang))
        self.message_label.setText(d.message or "—")
        self.files_label.setText("、".join(d.attachments) or "—")
        self.patient_box.show_patient(d.patient)
        self.history_model.set_rows(rows)
        # the request chosen before (by id), else the newest one: 取消 and 再請求 act on it at once
        keep = selected.id if selected is not None else None
        row = next((i for i, r in enumerate(rows) if r.id == keep), 0 if rows else None)
        if row is not None:
            self.history_view.selectRow(row)
        self._set_enabled(True)

    # -- state of the buttons ----------------------------------------------------------------

    def selected_request(self) -> HistoryRow | None:
        indexes = self.history_view.selectionModel().selectedRows()
        if not indexes:
            return None
        row = self.history_model.data(indexes[0], ROW_ROLE)
        return row if isinstance(row, HistoryRow) else None

    def _set_enabled(self, enabled: bool) -> None:
        self.status_combo.setEnabled(enabled)
        self._update_buttons()

    def _update_buttons(self) -> None:
        d = self.detail
        can = d is not None and d.can_request_post_payment
        self.request_button.setEnabled(can)
        pre = d is not None and d.menu.allows_pre_payment
        self.prepay_button.setVisible(pre)
        self.prepay_button.setEnabled(d is not None and d.can_request_pre_payment)
        if d is None or can:
            self.request_hint.setText("")
        elif not d.menu.allows_post_payment:
            self.request_hint.setText(self.tr("このメニューでは後決済請求を利用できません。"))
        elif not d.payment_usable:
            if d.payment_block:  # the reason, as the request would be refused with it
                self.request_hint.setText(UserError(d.payment_block).message(i18n.language()))
            else:
                self.request_hint.setText(self.tr("決済会社の利用準備ができていません。"))
        else:
            self.request_hint.setText("")
        sel = self.selected_request()
        self._show_decline(sel)
        self.cancel_button.setEnabled(sel is not None and sel.cancellable)
        self.rerequest_button.setEnabled(can and sel is not None and sel.state.value in ("requested", "cancelled", "expired"))
        self.cancel_button.setToolTip(self.tr("請求を取り消す") + " (Ctrl+Shift+X)\n" + self._cancel_reason(sel))
        self.rerequest_button.setToolTip(self.tr("再請求") + " (Ctrl+R)\n" + self._rerequest_reason(sel, can))

    def _show_decline(self, sel: HistoryRow | None) -> None:
        """Say beside 請求履歴 that the card was declined, for the chosen request, else for the unpaid one
        that was (until it is paid or cancelled)."""
        declined = sel if sel is not None and sel.declined_at is not None else next(
            (r for r in self.history_model.rows() if r.declined_at is not None), None)
        self.request_hint.setVisible(bool(self.request_hint.text()))
        if declined is None or declined.declined_at is None:
            self.decline_notice.hide()
            return
        lang = i18n.language()
        self.decline_notice.setText(self.tr("カード拒否（{amount}・{at}）: {reason}").format(
            amount=format_yen(declined.amount), at=format_jst_datetime(declined.declined_at, lang),
            reason=declined.decline_reason(lang)))
        self.decline_notice.setToolTip(self.decline_notice.full_text() + "\n" + decline_text(declined))
        self.decline_notice.show()

    def _cancel_reason(self, sel: HistoryRow | None) -> str:
        """What 請求を取り消す acts on, or why it cannot."""
        if sel is None:
            return self.tr("請求履歴で請求を選んでください。") if self.history_model.rowCount() else \
                self.tr("この予約にはまだ請求がありません。")
        if sel.cancellable:
            return self.tr("選択中の請求（{amount}）を取り消します。").format(amount=format_yen(sel.amount))
        return self.tr("選択中の請求（{state}）は取り消せません。未決済の請求だけを取り消せます。").format(
            state=i18n.state_label(sel.state))

    def _rerequest_reason(self, sel: HistoryRow | None, can: bool) -> str:
        """What 再請求 acts on, or why it cannot."""
        if not can:
            return self.request_hint.text() or self.tr("この予約には請求できません。")
        if sel is None:
            return self._cancel_reason(None)
        if sel.state.value in ("requested", "cancelled", "expired"):
            return self.tr("選択中の請求（{amount}）を送り直します。").format(amount=format_yen(sel.amount))
        return self.tr("選択中の請求（{state}）は再請求できません。未決済・取消済み・期限切れの請求を選んでください。").format(
            state=i18n.state_label(sel.state))

    def _press(self, button: QPushButton) -> None:
        """A key of the panel: the button's action, or, while it cannot be used, the reason."""
        if button.isEnabled():
            button.click()
            return
        if self.detail is None:
            reason = self.tr("予約を選択してください")
        elif button is self.request_button:
            reason = self.request_hint.text() or self.tr("この予約には請求できません。")
        elif button is self.cancel_button:
            reason = self._cancel_reason(self.selected_request())
        else:
            reason = self._rerequest_reason(self.selected_request(), self.request_button.isEnabled())
        messages.info(f"{button.text()}: {reason}")

    # -- actions -----------------------------------------------------------------------------

    def _on_status_activated(self, index: int) -> None:
        if self.detail is None:
            return
        status = ReservationStatus(self.status_combo.itemData(index))
        if status == self.detail.status:
            return
        actions = self.session.actions
        cancelling = status is ReservationStatus.CANCELLED
        unpaid = self._unpaid_total()
        if cancelling and unpaid and not ConfirmDialog.ask(
                self, self.tr("予約をキャンセル"),
                self.tr("{patient} 様のこの予約をキャンセルすると、未決済の請求（{amount}）も取り消され、決済用リンクはすぐに使えなくなります（患者様にお知らせのメールを送ります）。キャンセルしますか？").format(
                    patient=self.detail.patient.name, amount=format_yen(unpaid)),
                self.tr("予約をキャンセル"), keep_text=self.tr("予約を残す")):
            self.status_combo.setCurrentIndex(self.status_combo.findData(self.detail.status.value))
            return

        def done(result: VisitCancelled | None) -> None:
            if result is not None and result.cancelled_request_ids:
                self._after_change(self.tr("予約をキャンセルし、未決済の請求を取り消しました。"), billing=True)
            else:
                self._after_change(self.tr("ステータスを変更しました。"), billing=cancelling)
            if result is not None and result.refundable:
                async_ops.call_soon_outside(lambda: self._offer_refunds(result.refundable))

        def failed(_exc: BaseException) -> bool:
            if self.detail is not None:
                self.status_combo.setCurrentIndex(self.status_combo.findData(self.detail.status.value))
            return False

        async_ops.run_op(actions.set_reservation_status(self.session.actor, self.detail.id, status),
                         busy=[self.status_combo], on_success=done, on_failure=failed)

    def show_timeline(self) -> None:
        """経過 of the selected request: its mail, declined cards, payment and refunds."""
        sel = self.selected_request()
        if sel is None:
            return

        def show(entries: list[TimelineEntry]) -> None:
            self.timeline_dialog = TimelineDialog(entries, self)
            self.timeline_dialog.setWindowTitle(self.tr("経過") + f" — {sel.patient_name}  {format_yen(sel.amount)}")
            self.timeline_dialog.open()

        async_ops.run_op(self.session.actions.timeline(sel.id), on_success=show, name="timeline")

    def _unpaid_total(self) -> int:
        """Whole yen of the visit's unpaid requests (0: none)."""
        return sum(row.amount for row in self.history_model.rows() if row.state is BillingState.REQUESTED)

    def _offer_refunds(self, refundable: tuple[tuple[int, int], ...]) -> None:
        """A cancelled reservation whose pre-payment was paid: offer the refund right here."""
        for request_id, amount in refundable:
            if not ConfirmDialog.ask(
                    self, self.tr("事前決済の返金"),
                    self.tr("{patient} 様のこの予約の事前決済（{amount}）はお支払い済みです。返金しますか？後で決済管理から返金することもできます。").format(
                        patient=self.detail.patient.name if self.detail else "", amount=format_yen(amount)),
                    self.tr("返金へ進む"), keep_text=self.tr("今は返金しない")):
                continue
            row = next((r for r in self.history_model.rows() if r.id == request_id), None)
            if row is None:
                continue
            values = RefundDialog.ask(self, row, session=self.session)
            if values is None:
                continue
            s = self.session
            async_ops.run_op(
                s.actions.refund(row.id, s.actor, values.amount, values.reason, approver=values.approver),
                on_success=lambda outcome: self._after_change(
                    self.tr("返金しました（{patient} 様・{amount}）。").format(
                        patient=row.patient_name, amount=format_yen(outcome.amount)), billing=True),
                name="refund")

    def request_pre_payment(self, *, replace_open: int | None = None, additional: bool = False,
                            confirmed: bool = False) -> None:
        """事前決済を請求: the menu's price by mail (or 自動決済), after a confirmation naming the patient and
        the amount. An unpaid request asks to be replaced, a paid visit to confirm a 追加請求; a patient
        without a usable e-mail address opens the patient editor, and the request is asked again after."""
        d = self.detail
        if d is None or not d.can_request_pre_payment:
            return
        patient, amount = d.patient.name, format_yen(d.menu.price)
        if not confirmed and not ConfirmDialog.ask(
                self, self.tr("事前決済を請求"),
                self.tr("{patient} 様に、事前決済（{menu}・{amount}）のお支払いのお願いを送りますか？").format(
                    patient=patient, menu=d.menu.name, amount=amount),
                self.tr("送信する"), keep_text=self.tr("送信しない")):
            return
        s = self.session

        def done(outcome: RequestOutcome) -> None:
            text = self.tr("登録済みカードで決済しました（{patient} 様・{amount}）。") if outcome.auto_charged else \
                self.tr("請求メールを送信待ちにしました（{patient} 様・{amount}）。")
            if outcome.auto_charge_error is not None:
                messages.warning(outcome.auto_charge_error.message(i18n.language()))
            self._after_change(text.format(patient=patient, amount=amount), billing=True)

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, StateError) and exc.code in ("visit_has_open_request", "visit_already_paid"):
                async_ops.call_soon_outside(lambda: self._confirm_pre_payment_again(exc))
                return True
            if isinstance(exc, ValidationError) and exc.field == "email":
                text = exc.message(i18n.language())
                messages.error(text + " " + self.tr(EMAIL_HINT).format(shortcut=EDIT_SHORTCUT))

                def saved(patient: PatientInfo) -> None:
                    self._on_patient_saved(patient)
                    async_ops.call_soon_outside(lambda: self.request_pre_payment())

                async_ops.call_soon_outside(lambda: setattr(self, "patient_dialog", PatientDialog.open_for(
                    self, self.session, d.patient, email_error=text, on_saved=saved)))
                return True
            return False

        async_ops.run_op(s.actions.request_pre_payment(d.id, s.actor, replace_open=replace_open, additional=additional),
                         busy=[self.prepay_button], busy_text=self.tr("送信中…"), on_success=done, on_failure=failed,
                         name="request-pre-payment")

    def _confirm_pre_payment_again(self, exc: StateError) -> None:
        if self.detail is None:
            return
        answer = self._ask_replace_or_add(exc, self.detail.menu.price)
        if answer is not None:
            self.request_pre_payment(replace_open=answer[0], additional=answer[1], confirmed=True)

    def _ask_replace_or_add(self, exc: StateError, new: int) -> tuple[int | None, bool] | None:
        """The visit has an unpaid request (replace it?) or is paid (追加請求?), for a new request of ``new``
        whole yen: ``(replace_open, additional)`` to send again with, or None when staff said no."""
        answer: tuple[int | None, bool]
        if exc.code == "visit_has_open_request":
            title, question, ok = (
                self.tr("未決済の請求があります"),
                self.tr("{patient} 様のこの予約には未決済の請求（{amount}）があります。その請求を取り消して、新しい請求（{new}）に置き換えますか？前の決済用リンクはすぐに使えなくなります。"),
                self.tr("置き換えて送信"))
            answer = int(exc.params["request_id"]), False
        else:
            title, question, ok = (
                self.tr("追加請求"),
                self.tr("{patient} 様のこの予約は決済済みです（{amount}）。追加請求として新しい請求（{new}）を送りますか？"),
                self.tr("追加請求を送信"))
            answer = None, True
        question = question.format(patient=self._patient_name(), amount=format_yen(int(exc.params.get("amount", 0))),
                                   new=format_yen(new))
        return answer if ConfirmDialog.ask(self, title, question, ok, keep_text=self.tr("送信しない")) else None

    def _on_request_clicked(self) -> None:
        if self.detail is None or not self.detail.can_request_post_payment:
            return
        plan = self._plan if self._plan_for == self.detail.id else None
        values = PaymentRequestDialog.ask(self, self.detail, plan=plan)
        if values is not None:
            self.send_request(values)

    def send_request(self, values: PaymentRequestInput, *, replace: HistoryRow | None = None,
                     replace_open: int | None = None, additional: bool = False) -> None:
        """Send 後決済請求 (or 再請求 of ``replace``). A visit with an unpaid request asks whether to
        replace it (``replace_open``); a paid visit asks to confirm a 追加請求 (``additional``)."""
        assert self.detail is not None
        s = self.session
        if replace is None:
            work = s.actions.request_payment(self.detail.id, s.actor, values.amount,
                                             values.tax_category, values.message,
                                             replace_open=replace_open, additional=additional)
        else:
            work = s.actions.re_request(replace.id, s.actor, amount=values.amount,
                                        tax_category=values.tax_category, message=values.message,
                                        replace_open=replace_open, additional=additional)
        patient = self.detail.patient.name

        def done(outcome: RequestOutcome) -> None:
            text = self.tr("登録済みカードで決済しました（{patient} 様・{amount}）。") if outcome.auto_charged else \
                self.tr("請求メールを送信待ちにしました（{patient} 様・{amount}）。")
            error = outcome.auto_charge_error
            if error is not None:
                if not outcome.auto_charged and error.code != "auto_charge_over_cap":
                    # the saved card did not pay: the link went by mail; say so, with PAY.JP's reason
                    error = UserError("auto_charge_fell_back", reason=error)
                messages.warning(error.message(i18n.language()))
            self._after_change(text.format(patient=patient, amount=format_yen(values.amount)), billing=True)

        resume = values if replace is None else None

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, StateError) and exc.code in ("visit_has_open_request", "visit_already_paid"):
                async_ops.call_soon_outside(lambda: self._confirm_and_resend(exc, values, replace, replace_open,
                                                                             additional))
                return True
            return self._on_request_failed(exc, resume)

        async_ops.run_op(work, busy=[self.request_button, self.rerequest_button], busy_text=self.tr("送信中…"),
                         on_success=done, on_failure=failed, name="request-payment")

    def _confirm_and_resend(self, exc: StateError, values: PaymentRequestInput, replace: HistoryRow | None,
                            replace_open: int | None, additional: bool) -> None:
        """The visit has an unpaid request (replace it?) or is paid (追加請求?): ask, then send again."""
        answer = self._ask_replace_or_add(exc, values.amount)
        if answer is None:
            return
        if answer[0] is not None:  # replacing keeps an 追加請求 already confirmed
            self.send_request(values, replace=replace, replace_open=answer[0], additional=additional)
        else:
            self.send_request(values, replace=replace, replace_open=replace_open, additional=True)

    def _patient_name(self) -> str:
        return self.detail.patient.name if self.detail is not None else ""

    def _on_request_failed(self, exc: BaseException, resume: PaymentRequestInput | None = None) -> bool:
        """No or a wrong e-mail address: say where to fix it, and open the patient editor on that field.

        Once the address is saved, the 後決済請求 dialog opens again with what staff had typed.
        """
        if not (isinstance(exc, ValidationError) and exc.field == "email"):
            return False
        text = exc.message(i18n.language())
        messages.error(text + " " + self.tr(EMAIL_HINT).format(shortcut=EDIT_SHORTCUT))
        async_ops.call_soon_outside(lambda: self.edit_patient(email_error=text, resume=resume))
        return True

    def edit_patient(self, *, email_error: str | None = None, resume: PaymentRequestInput | None = None) -> None:
        """患者情報の編集 for this reservation's patient; the detail and the list show the new values."""
        if self.detail is None:
            return

        def saved(patient: PatientInfo) -> None:
            self._on_patient_saved(patient)
            if resume is not None:
                async_ops.call_soon_outside(lambda: self._ask_request_again(resume))

        self.patient_dialog = PatientDialog.open_for(self, self.session, self.detail.patient,
                                                     email_error=email_error, on_saved=saved)

    def _ask_request_again(self, values: PaymentRequestInput) -> None:
        if self.detail is None:
            return
        again = PaymentRequestDialog.ask(self, self.detail, amount=values.amount, tax=values.tax_category,
                                         message=values.message)
        if again is not None:
            self.send_request(again)

    def _on_patient_saved(self, _patient: PatientInfo) -> None:
        self.reload()
        self.changed.emit()
        self.session.events.reservations_changed.emit()

    def _on_cancel_clicked(self) -> None:
        sel = self.selected_request()
        if sel is None or not sel.cancellable:
            return
        if not confirm_cancel_request(self, sel.patient_name, sel.amount):
            return
        actions = self.session.actions
        async_ops.run_op(actions.cancel_request(sel.id, self.session.actor),
                         busy=[self.cancel_button], busy_text=self.tr("処理中…"),
                         on_success=lambda _: self._after_change(self.tr("請求を取り消しました。"), billing=True))

    def _on_rerequest_clicked(self) -> None:
        sel = self.selected_request()
        if sel is None or self.detail is None:
            return
        values = PaymentRequestDialog.ask(self, self.detail, amount=sel.amount, tax=sel.tax_category,
                                          message=sel.message, title="再請求")
        if values is not None:
            self.send_request(values, replace=sel)

    def _after_change(self, text: str, *, billing: bool = False) -> None:
        messages.info(text)
        self.reload()
        self.changed.emit()
        if billing:
            self.session.events.billing_changed.emit()
        else:
            self.session.events.reservations_changed.emit()
