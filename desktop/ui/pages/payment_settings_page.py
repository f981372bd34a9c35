"""決済管理 › 決済会社設定: 契約情報 (PAY.JP テナント登録, 審査状況), 利用する決済会社 / 自動決済, the legal-page URLs.

A second tab holds the manager's connection settings (``connection_settings.py``). The page is
thin: ``SettingsService`` / ``TenantService`` do the work off the UI thread (through ``DeskActions``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTabWidget
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.domain.clinic import CareType, PaymentMode, ReviewStatus
from desktop.domain.formatting import JST, format_yen
from desktop.services.actions import DeskActions
from desktop.services.live_check import CspReportRow
from desktop.services.settings_service import PAYMENT_COMPANY, ContractView
from desktop.ui import async_ops, i18n, messages
from desktop.ui.dialogs.live_check_dialog import LiveCheckDialog
from desktop.ui.dialogs.tenant_register_dialog import TenantRegisterDialog
from desktop.ui.i18n import review_label
from desktop.ui.pages.connection_settings import ConnectionSettingsPanel
from desktop.ui.session import UiSession
from desktop.ui.setup.checklist import SetupChecklist
from desktop.ui.widgets.common import ChoiceRow, ErrorLabel, FieldErrors, button_bar, heading, hint_label, notice_label
from desktop.ui.widgets.common import scrolled, wrapped_label
from desktop.ui.widgets.sections import FormSection, FormSections
from desktop.ui.widgets.url_row import UrlRow

log = logging.getLogger(__name__)
T = TypeVar("T")

REFRESH_INTERVAL_MS = 5 * 60 * 1000  # 審査状況 is read again every 5 minutes while the page is shown
REVIEW_STYLE = {
    ReviewStatus.APPROVED: "color: #1b5e20; background: #e8f5e9;",
    ReviewStatus.DECLINED: "color: #b71c1c; background: #fdecea;",
}
LINK_STYLE = ("QPushButton { color: #1565c0; text-decoration: underline; border: none; text-align: left; "
              "padding: 0; background: transparent; }")


def open_in_browser(url: str) -> None:
    """The system browser (tests replace ``QDesktopServices.openUrl``)."""
    QDesktopServices.openUrl(QUrl(url))


class ContractPanel(QWidget):
    """契約情報 and 利用する決済会社 for PAY.JP."""

    def __init__(self, session: UiSession, actions: DeskActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.desk = actions  # not self.actions: QWidget.actions() lists the widget's QActions
        self.view: ContractView | None = None
        self._filling = False
        layout = QVBoxLayout(self)
        self.errors = FieldErrors("auto_charge_cap", "platform_fee_rate")
        layout.addWidget(heading(self.tr("決済会社設定"), 18))
        self.fee_label = wrapped_label(self.tr("※決済代行会社のご利用は、本サービスとは別途契約会社との手数料が発生致します。"))
        layout.addWidget(self.fee_label)
        self.mode_banner = notice_label("background: #fff4e5; color: #8a4b00; border: 1px solid #ffd8a8; padding: 6px;")
        layout.addWidget(self.mode_banner)

        contract = QGroupBox(self.tr("契約情報"))
        box = QVBoxLayout(contract)
        company = QLabel("PAY.JP")
        company.setStyleSheet("font-size: 15px; font-weight: bold;")
        box.addWidget(company)
        form = QFormLayout()
        form.setHorizontalSpacing(24)
        status_row = QHBoxLayout()
        self.review_label = QLabel("—")
        self.review_label.setStyleSheet("font-weight: bold; padding: 2px 8px;")
        self.refresh_button = QPushButton(self.tr("更新"))
        self.refresh_button.setToolTip(self.tr("PAY.JPから審査状況を今すぐ取得します"))
        self.checked_label = QLabel()
        self.checked_label.setStyleSheet("color: #666;")
        status_row.addWidget(self.review_label)
        status_row.addWidget(self.refresh_button)
        status_row.addWidget(self.checked_label)
        status_row.addStretch(1)
        form.addRow(self.tr("審査状況"), status_row)
        self.care_label = QLabel()
        self.care_title = QLabel(self.tr("診療種別"))
        form.addRow(self.care_title, self.care_label)
        self.apply_link = QPushButton(self.tr("利用申請ページに移動"))
        self.apply_link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.apply_link.setStyleSheet(LINK_STYLE)
        self.apply_link.setFlat(True)
        form.addRow("", self.apply_link)
        box.addLayout(form)
        self.register_button = QPushButton(self.tr("テナント登録する"))
        self.register_button.setObjectName("primaryButton")
        self.register_button.setStyleSheet("QPushButton#primaryButton { background: #1976d2; color: white; "
                                           "padding: 6px 18px; font-weight: bold; } "
                                           "QPushButton#primaryButton:disabled { background: #90caf9; }")
        reg_row = QHBoxLayout()
        reg_row.addWidget(self.register_button)
        reg_row.addStretch(1)
        box.addLayout(reg_row)
        layout.addWidget(contract)

        usage = QGroupBox(self.tr("利用設定"))
        uform = QFormLayout(usage)
        uform.setHorizontalSpacing(24)
        self.company_combo = QComboBox()
        self.company_combo.addItem(self.tr("選択してください"), None)
        self.company_combo.addItem("PAYJP", PAYMENT_COMPANY)
        self.company_combo.setMinimumWidth(220)
        combo_row = QHBoxLayout()
        combo_row.addWidget(self.company_combo)
        combo_row.addStretch(1)
        uform.addRow(self.tr("利用する決済会社"), combo_row)
        self.auto_charge = ChoiceRow([(True, self.tr("利用する")), (False, self.tr("利用しない"))])
        uform.addRow(self.tr("自動決済"), self.auto_charge)
        self.auto_hint = hint_label(self.tr("利用するにすると、カードを登録した患者様への請求はその場で決済されます。"))
        uform.addRow("", self.auto_hint)
        self.cap_edit, self.save_cap_button, self.cap_error = self._saved_entry(
            uform, self.tr("自動決済の上限額"), "auto_charge_cap", "100,000", 120, self.tr("円"),
            self.tr("この金額を超える請求は、登録済みカードに請求せず、お支払いのお願いをメールで送ります。"))
        self.usage_reason = ErrorLabel()
        self.usage_reason.setStyleSheet("color: #8a4b00;")
        uform.addRow("", self.usage_reason)
        layout.addWidget(usage)

        platform = QGroupBox(self.tr("プラットフォーム手数料"))
        pform = QFormLayout(platform)
        pform.setHorizontalSpacing(24)
        platform_note = wrapped_label(self.tr("PAY.JP Platformアカウントの運営者が設定します。テナント登録時と、変更して保存したときに"
                                              "PAY.JPのテナントへ反映されます（0〜95%、小数点以下2桁まで）。"))
        pform.addRow(platform_note)
        self.fee_rate, self.save_fee_button, self.fee_error = self._saved_entry(
            pform, self.tr("プラットフォーム手数料率"), "platform_fee_rate", "1.00", 90, "%")
        layout.addWidget(platform)
        # the two amounts save on their own (as 接続設定's parts): a read keeps what is typed in the other
        self.sections: FormSections[ContractView] = FormSections(self.errors)
        self.cap_section = self.sections.add(self.cap_edit, ("auto_charge_cap",),
                                             lambda view: self.cap_edit.setText(f"{view.auto_charge_cap:,}"))
        self.fee_section = self.sections.add(self.fee_rate, ("platform_fee_rate",),
                                             lambda view: self.fee_rate.setText(view.platform_fee_rate))

        legal = QGroupBox(self.tr("申請フォームに入力するURL"))
        lform = QFormLayout(legal)
        lform.setHorizontalSpacing(24)
        note = wrapped_label(self.tr("PAY.JPの利用申請では、次のページのURLが必須です。このアプリの決済ページサーバーが公開しています。"))
        lform.addRow(note)
        self.tokushoho_url = UrlRow()
        self.privacy_url = UrlRow()
        self.terms_url = UrlRow()
        lform.addRow(self.tr("特定商取引法に基づく表記"), self.tokushoho_url)
        lform.addRow(self.tr("プライバシーポリシー"), self.privacy_url)
        lform.addRow(self.tr("利用規約"), self.terms_url)
        layout.addWidget(legal)

        check = QGroupBox(self.tr("接続チェック"))
        cbox = QVBoxLayout(check)
        check_note = wrapped_label(self.tr("テストモードで、公開URL・PAY.JP・Webhook・返金が本番と同じ経路で動くかを50円のテスト決済で"
                                           "確かめます。本番モードへの切り替えには、30日以内の合格が必要です。"))
        cbox.addWidget(check_note)
        check_row = QHBoxLayout()
        self.live_check_button = QPushButton(self.tr("接続チェック"))
        check_row.addWidget(self.live_check_button)
        self.live_check_reason = QLabel("")
        self.live_check_reason.setStyleSheet("color: #607d8b;")
        check_row.addWidget(self.live_check_reason, 1)
        cbox.addLayout(check_row)
        self.csp_title = QLabel(self.tr("決済ページのセキュリティポリシー（CSP）違反の報告"))
        self.csp_title.setStyleSheet("font-weight: bold;")
        cbox.addWidget(self.csp_title)
        self.csp_list = wrapped_label("")
        self.csp_list.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        cbox.addWidget(self.csp_list)
        layout.addWidget(check)
        layout.addStretch(1)

        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self.refresh_timer.timeout.connect(lambda: self.refresh_review(quiet=True))
        self.register_button.clicked.connect(self._on_register_clicked)
        self.refresh_button.clicked.connect(lambda: self.refresh_review(quiet=False))
        self.apply_link.clicked.connect(self._on_apply_link_clicked)
        self.save_fee_button.clicked.connect(self.save_fee_rate)
        self.save_cap_button.clicked.connect(self.save_auto_charge_cap)
        self.cap_edit.returnPressed.connect(self.save_auto_charge_cap)
        self.live_check_button.clicked.connect(self.open_live_check)
        self.company_combo.activated.connect(lambda *_: self._save_usage())
        for button in self.auto_charge.buttons.values():
            button.clicked.connect(lambda *_: self._save_usage())

    def _saved_entry(self, form: QFormLayout, label: str, field: str, placeholder: str, width: int, unit: str,
                     hint: str = "") -> tuple[QLineEdit, QPushButton, ErrorLabel]:
        """A short input of ``width`` px with its unit and its own 保存 button, added to ``form``; its
        error message (of ``field``) and the ``hint`` under it."""
        edit = QLineEdit()
        edit.setMaximumWidth(width)
        edit.setPlaceholderText(placeholder)
        button = QPushButton(self.tr("保存"))
        box = QVBoxLayout()
        box.addLayout(button_bar(edit, QLabel(unit), button, None))
        box.addWidget(self.errors[field])
        if hint:
            box.addWidget(hint_label(hint))
        form.addRow(label, box)
        return edit, button, self.errors[field]

    # -- state --------------------------------------------------------------------------------

    def reload(self, saved: FormSection[ContractView] | None = None) -> None:
        """Read the contract again; ``saved``: the amount just saved (see ``show_view``)."""
        self.sections.read(self.desk.contract(self.session.clinic.id), self.show_view, saved, "contract-read")
        async_ops.run_op(self.desk.csp_reports(), on_success=self.show_csp_reports)

    def show_csp_reports(self, rows: list[CspReportRow]) -> None:
        """The CSP violations browsers reported: directive, blocked origin, page, how often, last time (JST)."""
        if not rows:
            self.csp_list.setText(self.tr("報告はありません。"))
            return
        lines = []
        for r in rows[:10]:
            mode = self.tr("（報告のみ）") if r.report_only else ""
            lines.append(self.tr("{directive} が {origin} を拒否{mode} ・ {page} ・ {count}回 ・ 最終 {time}").format(
                directive=r.directive, origin=r.blocked, mode=mode, page=r.page, count=r.count,
                time=f"{r.last_at.astimezone(JST):%Y/%m/%d %H:%M}"))
        self.csp_list.setText("\n".join(lines))

    def show_view(self, view: ContractView, saved: FormSection[ContractView] | None = None) -> None:
        """Show ``view``; an amount typed and not saved stays, with its message, unless it is the one
        ``saved`` (``FormSections.show``)."""
        self.view = view
        self._filling = True
        # the demo clinic comes reviewed (承認) without a tenant: shown as registered, not offered テナント登録
        registered = view.tenant_registered or (view.mode is PaymentMode.DEMO
                                                and view.review_status is not ReviewStatus.NOT_APPLIED)
        self.review_label.setText(review_label(view.review_status))
        self.review_label.setStyleSheet("font-weight: bold; padding: 2px 8px; border-radius: 3px; "
                                        + REVIEW_STYLE.get(view.review_status, "background: #eef2f6;"))
        if view.review_checked_at is not None:
            self.checked_label.setText(
                self.tr("最終確認 {time}").format(time=f"{view.review_checked_at.astimezone(JST):%Y/%m/%d %H:%M}"))
        else:
            self.checked_label.setText("")
        self.refresh_button.setEnabled(registered)
        self.care_label.setText(i18n.care_type_label(view.care_type) if view.care_type else "")
        self.care_title.setVisible(registered and view.care_type is not None)
        self.care_label.setVisible(registered and view.care_type is not None)
        self.apply_link.setVisible(view.tenant_registered)
        self.register_button.setVisible(not registered or view.review_status is ReviewStatus.DECLINED)
        selectable = view.company_selectable
        self.company_combo.setCurrentIndex(max(0, self.company_combo.findData(view.payment_company)))
        self.auto_charge.set_value(view.auto_charge)
        self.sections.show(view, saved)
        self.company_combo.setEnabled(selectable)
        self.auto_charge.setEnabled(selectable and view.payment_company == PAYMENT_COMPANY)
        if not selectable:
            self.usage_reason.show_error(self.tr("PAY.JPの審査が「承認」になると、利用する決済会社と自動決済を選択できます。"))
        elif view.payment_company != PAYMENT_COMPANY:
            self.usage_reason.show_error(self.tr("自動決済は、利用する決済会社を選択すると設定できます。"))
        else:
            self.usage_reason.clear_error()
        if view.mode is PaymentMode.TEST and not registered:
            self.mode_banner.setText(self.tr("テストモードでは、PAY.JPのテナント登録が済むまでカード決済を利用できません。"
                                             "「テナント登録する」から登録してください。"))
            self.mode_banner.show()
        elif view.mode is not PaymentMode.LIVE and not view.approved:
            text = (self.tr("デモモードのため、審査の承認前でもカード決済を試せます（実際の決済は行われません）。")
                    if view.mode is PaymentMode.DEMO else
                    self.tr("テストモードのため、審査の承認前でもカード決済を利用できます"
                            "（テスト用カードのみ・実際の請求は発生しません）。"))
            self.mode_banner.setText(text)
            self.mode_banner.show()
        else:
            self.mode_banner.hide()
        self.live_check_button.setEnabled(view.mode is PaymentMode.TEST)
        self.live_check_reason.setText("" if view.mode is PaymentMode.TEST
                                       else self.tr("テストモードで実行できます。"))
        self.tokushoho_url.set_url(view.tokushoho_url)
        self.privacy_url.set_url(view.privacy_url)
        self.terms_url.set_url(view.terms_url)
        self._filling = False

    # -- actions ------------------------------------------------------------------------------

    def open_live_check(self) -> None:
        """接続チェック: its dialog; the CSP list is read again when it closes."""
        dialog = LiveCheckDialog(self.session, self.desk, self)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()
        self.reload()

    def _on_register_clicked(self) -> None:
        care_type = TenantRegisterDialog.ask(self)
        if care_type is not None:
            self.register(care_type)

    def register(self, care_type: CareType) -> None:
        """テナントを登録する (off the UI thread), then open PAY.JP's application page."""
        s = self.session
        work = self.desk.register_tenant(s.clinic.id, s.actor, care_type)

        def done(url: str) -> None:
            open_in_browser(url)
            messages.info(self.tr("PAY.JPのテナントを登録しました。ブラウザで利用申請を行ってください。"))
            self.reload()

        async_ops.run_op(work, busy=[self.register_button], busy_text=self.tr("登録中…"), on_success=done, name="tenant")

    def _save_entry(self, work: Awaitable[T], field: str, button: QPushButton, on_success: Callable[[T], None],
                    name: str, focus: QWidget | None = None) -> None:
        """Run the 保存 of one entry; a refused value is shown under it (and ``focus`` takes the focus)."""
        self.errors[field].clear_error()

        def failed(exc: BaseException) -> bool:
            shown = self.errors.show(exc)
            if shown and focus is not None:
                focus.setFocus()
            return shown

        async_ops.run_op(work, busy=[button], on_success=on_success, on_failure=failed, name=name)

    def save_fee_rate(self) -> None:
        """保存 of the platform fee rate (a registered tenant is updated at PAY.JP first)."""
        s = self.session

        def done(rate: str) -> None:
            self.fee_rate.setText(rate)
            messages.info(self.tr("プラットフォーム手数料率を {rate}% に設定しました。").format(rate=rate))
            self.reload(self.fee_section)

        self._save_entry(self.desk.set_platform_fee_rate(s.actor, s.clinic.id, self.fee_rate.text()),
                         "platform_fee_rate", self.save_fee_button, done, "fee-rate")

    def save_auto_charge_cap(self) -> None:
        """保存 of 自動決済の上限額 (whole yen); a wrong amount is shown under the field."""
        s = self.session

        def done(view: ContractView) -> None:
            self.show_view(view, self.cap_section)
            messages.info(self.tr("自動決済の上限額を {cap} に設定しました。").format(cap=format_yen(view.auto_charge_cap)))

        self._save_entry(self.desk.set_auto_charge_cap(s.actor, s.clinic.id, self.cap_edit.text()),
                         "auto_charge_cap", self.save_cap_button, done, "auto-charge-cap", focus=self.cap_edit)

    def _on_apply_link_clicked(self) -> None:
        s = self.session
        async_ops.run_op(self.desk.application_url(s.clinic.id),
                         busy=[self.apply_link], on_success=open_in_browser, name="application-url")

    def refresh_review(self, *, quiet: bool = False) -> None:
        """更新: read 審査状況 from PAY.JP now (quiet: the periodic refresh, errors only logged)."""
        if self.view is None or not self.view.tenant_registered:
            if quiet:
                self.reload()
            return
        s = self.session
        before = self.view.review_status

        def failed(exc: BaseException) -> bool:
            if quiet:
                log.info("periodic review refresh failed: %s", type(exc).__name__)
                return True
            return False

        def done(status: ReviewStatus) -> None:
            if not quiet:
                messages.info(self.tr("審査状況を更新しました: {status}").format(status=review_label(status)))
            if status is not before:
                self._clinic_changed()
            self.reload()

        async_ops.run_op(self.desk.refresh_review(s.clinic.id),
                         busy=[] if quiet else [self.refresh_button], on_success=done, on_failure=failed,
                         name="review")

    def _save_usage(self) -> None:
        if self._filling or self.view is None:
            return
        s = self.session
        company = self.company_combo.currentData()
        auto = bool(self.auto_charge.value()) and company == PAYMENT_COMPANY

        def failed(exc: BaseException) -> bool:
            self.reload()
            return False

        def done(view: ContractView) -> None:
            self.show_view(view)
            self._clinic_changed()
            messages.info(self.tr("決済会社の設定を保存しました。"))

        async_ops.run_op(self.desk.set_payment_company(s.actor, s.clinic.id, company, auto),
                         busy=[self.company_combo, self.auto_charge], on_success=done, on_failure=failed,
                         name="payment-company")

    def _clinic_changed(self) -> None:
        s = self.session

        def fresh(info: object) -> None:
            if info is not None:
                s.clinic = info  # type: ignore[assignment]
            s.events.reservations_changed.emit()
            s.events.clinic_changed.emit()

        async_ops.run_op(s.actions.clinic_info(), on_success=fresh)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.refresh_timer.start()
        self.reload()

    def hideEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.refresh_timer.stop()
        super().hideEvent(event)


class PaymentSettingsPage(QWidget):
    """決済会社設定 (tab 1) and 接続設定 (tab 2, for the manager)."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.contract = ContractPanel(session, session.actions)
        self.connection = ConnectionSettingsPanel(session, session.actions)
        self.contract.setMaximumWidth(960)
        self.connection.setMaximumWidth(960)
        self.tabs = QTabWidget()
        self.tabs.addTab(scrolled(self.contract), self.tr("決済会社設定"))
        self.tabs.addTab(scrolled(self.connection), self.tr("接続設定"))
        self.manager_only = wrapped_label(self.tr("設定の変更は管理者のみ行えます。担当スタッフを管理者に切り替えてください。"))
        self.manager_only.setObjectName("managerOnly")
        self.manager_only.setStyleSheet("background: #fff4e5; color: #7a4100; padding: 6px;")
        self.checklist = SetupChecklist(session)  # what the clinic's setup still lacks (hidden when complete)
        self.checklist.setMaximumWidth(960)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.checklist)
        layout.addWidget(self.manager_only)
        layout.addWidget(self.tabs)
        self.connection.saved.connect(self.contract.reload)
        self.connection.saved.connect(self.checklist.reload)
        self.connection.mode_changed.connect(self.contract._clinic_changed)
        self.apply_role()

    def apply_role(self) -> None:
        """Only a 管理者 may change settings; others may look."""
        manager = self.session.is_manager
        self.manager_only.setVisible(not manager)
        self.contract.setEnabled(manager)
        self.connection.setEnabled(manager)
        self.checklist.setEnabled(manager)

    def show_connection(self) -> None:
        self.tabs.setCurrentIndex(1)

    def reload(self) -> None:
        self.checklist.reload()
        self.contract.reload()
        self.connection.reload()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.checklist.reload()
