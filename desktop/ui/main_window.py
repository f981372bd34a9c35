"""The main window: 三本線 button with the left column, the pages, a message banner, the status area.

It navigates and shows state; the pages and the services do the work.

Signals:
    closed: the window was closed (the app then shuts down).
    language_changed(lang): the user chose another UI language (the app rebuilds the window).
    staff_changed(staff_id): another staff member signed in on this PC.
    workspace_requested(str): open the clinic's database (``"clinic"``) or the demo's (``"demo"``,
        トレーニング); the app rebuilds the graph and the window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QPushButton,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QProgressBar,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.clinic import PaymentMode
from desktop.services.front_desk import ClinicInfo, StaffInfo
from desktop.services.setup import SetupStatus, SetupStep
from desktop.ui import async_ops, i18n, messages
from desktop.ui.dialogs.about_dialog import AboutDialog
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.pages.billing_page import BillingPage
from desktop.ui.pages.mailbox_page import MailboxPage
from desktop.ui.pages.menu_page import MenuPage
from desktop.ui.pages.payment_settings_page import PaymentSettingsPage
from desktop.ui.pages.reservations_page import ReservationsPage
from desktop.ui.session import UiSession
from desktop.ui.setup.wizard import SetupWizard

BANNER_STYLE = {
    "error": "background: #fdecea; color: #b71c1c; border: 1px solid #f5c6c2;",
    "warning": "background: #fff4e5; color: #8a4b00; border: 1px solid #ffd8a8;",
    "info": "background: #e8f4fd; color: #0d47a1; border: 1px solid #b6dcfb;",
}
MODE_BANNER_STYLE = {
    "demo": "background: #fff3e0; color: #8a4b00;",
    "live": "background: #e8f5e9; color: #1b5e20;",
}
SUB_PAGES = {"決済会社設定"}  # shown indented under their parent entry
TRAINING_STYLE = "background: #6a1b9a; color: white;"
MODE_STYLE = {
    PaymentMode.DEMO: "background: #ff9800; color: white;",
    PaymentMode.TEST: "background: #1976d2; color: white;",
    PaymentMode.LIVE: "background: #2e7d32; color: white;",
}


class MessageBanner(QWidget):
    """Non-blocking messages under the top bar (errors stay until closed or replaced)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setAccessibleName(self.tr("閉じる"))
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self.close_button.clicked.connect(self.hide)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.setAutoFillBackground(True)
        self.hide()

    def show_message(self, level: str, text: str) -> None:
        self.setStyleSheet(f"QWidget {{ {BANNER_STYLE.get(level, BANNER_STYLE['info'])} }}")
        self.label.setText(text)
        self.show()
        self._timer.start(30000 if level == "error" else 8000)


class MainWindow(QMainWindow):
    closed = Signal()
    language_changed = Signal(str)
    staff_changed = Signal(int)
    workspace_requested = Signal(str)

    PAGES = (QT_TRANSLATE_NOOP("MainWindow", "予約管理"), QT_TRANSLATE_NOOP("MainWindow", "決済管理"),
             QT_TRANSLATE_NOOP("MainWindow", "決済会社設定"), QT_TRANSLATE_NOOP("MainWindow", "メニュー設定"),
             QT_TRANSLATE_NOOP("MainWindow", "メールボックス（デモ）"))

    def __init__(self, session: UiSession, staff: list[StaffInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._staff = staff
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        top = QWidget()
        top.setObjectName("topBar")
        top.setStyleSheet("#topBar { background: #27496d; } #topBar QLabel { color: white; }")
        bar = QHBoxLayout(top)
        bar.setContentsMargins(6, 4, 8, 4)
        self.menu_button = QToolButton()
        self.menu_button.setText("☰")
        self.menu_button.setAccessibleName(self.tr("メニューを開く"))
        self.menu_button.setToolTip(self.tr("メニューを開く") + " (Ctrl+M)")
        self.menu_button.setShortcut(QKeySequence("Ctrl+M"))
        self.menu_button.setStyleSheet("QToolButton { color: white; font-size: 20px; border: none; padding: 2px 8px; }")
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.mode_badge = QLabel(self.tr("トレーニング（デモ）") if session.training
                                 else i18n.mode_label(session.clinic.payment_mode))
        self.mode_badge.setStyleSheet((TRAINING_STYLE if session.training else MODE_STYLE[session.clinic.payment_mode]) +
                                      " padding: 2px 8px; border-radius: 3px; font-weight: bold;")
        self.staff_combo = QComboBox()
        for s in staff:
            self.staff_combo.addItem(s.name, s.id)
        self.staff_combo.setCurrentIndex(max(0, self.staff_combo.findData(session.staff_id)))
        self.lang_combo = QComboBox()
        self.lang_combo.addItem("日本語", "ja")
        self.lang_combo.addItem("English", "en")
        self.lang_combo.setCurrentIndex(1 if i18n.language() == "en" else 0)
        bar.addWidget(self.menu_button)
        bar.addWidget(self.title_label)
        bar.addWidget(self.mode_badge)
        bar.addStretch(1)
        bar.addWidget(QLabel(self.tr("担当スタッフ")))
        bar.addWidget(self.staff_combo)
        bar.addWidget(QLabel(self.tr("言語")))
        bar.addWidget(self.lang_combo)
        outer.addWidget(top)

        self.banner = MessageBanner()
        outer.addWidget(self.banner)
        self.training_banner: QWidget | None = None
        if session.training:
            self.training_banner = QWidget()
            self.training_banner.setObjectName("trainingBanner")
            self.training_banner.setStyleSheet("#trainingBanner { background: #6a1b9a; } "
                                               "#trainingBanner QLabel { color: white; font-weight: bold; }")
            row = QHBoxLayout(self.training_banner)
            row.setContentsMargins(10, 4, 10, 4)
            text = QLabel(self.tr("トレーニング中（デモのデータ）です。ここでの操作は、クリニックのデータ・患者様・PAY.JPには届きません。"))
            text.setWordWrap(True)
            self.leave_training_button = QPushButton(self.tr("クリニックの画面に戻る") if session.clinic_chosen
                                                      else self.tr("クリニックの設定を始める"))
            self.leave_training_button.clicked.connect(lambda: self.workspace_requested.emit("clinic"))
            row.addWidget(text, 1)
            row.addWidget(self.leave_training_button)
            outer.addWidget(self.training_banner)
        self.mode_banner = QLabel()
        self.mode_banner.setObjectName("modeBanner")
        self.mode_banner.setWordWrap(True)
        outer.addWidget(self.mode_banner)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        self.nav = QListWidget()
        self.nav.setFixedWidth(190)
        self.nav.setStyleSheet("QListWidget { background: #f2f5f8; font-size: 14px; } "
                               "QListWidget::item { padding: 10px; }")
        self.stack = QStackedWidget()
        self.pages: dict[str, QWidget] = {
            "予約管理": ReservationsPage(session),
            "決済管理": BillingPage(session),
            "決済会社設定": PaymentSettingsPage(session),  # 決済管理 › 決済会社設定 (indented sub-entry)
            "メニュー設定": MenuPage(session),
        }
        if session.clinic.payment_mode is PaymentMode.DEMO:
            self.pages["メールボックス（デモ）"] = MailboxPage(session)
        for i, (key, page) in enumerate(self.pages.items()):
            self.nav.addItem(("　└ " if key in SUB_PAGES else "") + self.tr(key))
            self.nav.item(i).setToolTip(self.tr(key) + f" (Ctrl+{i + 1})")
            self.stack.addWidget(page)
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, lambda i=i: self.show_page_index(i))
        self.nav.hide()
        self.training_button = QPushButton(self.leave_training_button.text() if session.training
                                           else self.tr("トレーニング（デモ）を開く"))
        self.training_button.setToolTip(
            self.tr("クリニックのデータに戻ります") if session.training else
            self.tr("見本のクリニックで操作を練習します。クリニックのデータ・患者様・PAY.JPには何も届きません"))
        self.training_button.clicked.connect(
            lambda: self.workspace_requested.emit("clinic" if session.training else "demo"))
        self.training_button.hide()
        nav_column = QVBoxLayout()
        nav_column.setContentsMargins(0, 0, 0, 0)
        nav_column.setSpacing(0)
        nav_column.addWidget(self.nav, 1)
        nav_column.addWidget(self.training_button)
        self.training_button.setFixedWidth(190)
        body.addLayout(nav_column)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)
        help_menu = self.menuBar().addMenu(self.tr("ヘルプ"))
        self.about_action = help_menu.addAction(self.tr("このアプリについて"))
        self.about_action.triggered.connect(self.show_about)

        self.status_mode = QLabel(self.tr("トレーニング（デモ）") if session.training
                                  else i18n.mode_label(session.clinic.payment_mode))
        self.status_server = QLabel(self.tr("決済ページ: 停止中"))
        self.status_outbox = QLabel()
        self.status_outbox.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.status_outbox.hide()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.hide()
        for w in (self.status_mode, self.status_server, self.status_outbox):
            self.statusBar().addWidget(w)
        self.statusBar().addPermanentWidget(self.busy_bar)

        self.menu_button.clicked.connect(self.toggle_nav)
        self.nav.currentRowChanged.connect(self.show_page_index)
        self.staff_combo.activated.connect(self._on_staff_activated)
        self.lang_combo.activated.connect(self._on_lang_activated)
        bridge = messages.bridge()
        bridge.shown.connect(self.banner.show_message)
        bridge.busy_changed.connect(self._on_busy_changed)
        self.setup_wizard: SetupWizard | None = None
        settings_page = self.pages["決済会社設定"]
        assert isinstance(settings_page, PaymentSettingsPage)
        settings_page.checklist.open_step.connect(lambda step: self.open_setup(SetupStep(step)))
        session.events.clinic_changed.connect(self.apply_clinic)
        self.apply_clinic()
        self.update_title()
        self.resize(1280, 720)
        self.show_page_index(0)
        if not session.training:
            async_ops.run_op(session.actions.setup_status(session.clinic.id), on_success=self._resume_setup,
                             name="setup-resume")

    # -- navigation --------------------------------------------------------------------------

    def toggle_nav(self) -> None:
        self.nav.setVisible(not self.nav.isVisible())
        self.training_button.setVisible(self.nav.isVisible())
        if self.nav.isVisible():
            self.nav.setFocus()

    def show_page(self, key: str) -> QWidget:
        index = list(self.pages).index(key)
        self.show_page_index(index)
        return self.pages[key]

    def show_page_index(self, index: int) -> None:
        if not 0 <= index < self.stack.count():
            return
        self.stack.setCurrentIndex(index)
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(index)
        self.nav.blockSignals(False)
        page = self.stack.currentWidget()
        reload = getattr(page, "reload", None)
        if index == 0 and callable(reload):
            reload()

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    # -- setup ---------------------------------------------------------------------------------

    def _resume_setup(self, status: SetupStatus) -> None:
        if status.started and not status.finished:
            self.open_setup(status.current_step)

    def open_setup(self, step: SetupStep | None = None) -> SetupWizard:
        """The clinic's setup, at ``step`` (default: where it was left)."""
        if self.setup_wizard is not None:
            self.setup_wizard.close()
        wizard = SetupWizard(self.session, step, self)
        wizard.changed.connect(self._clinic_changed)
        self.setup_wizard = wizard
        wizard.open()
        return wizard

    def _clinic_changed(self) -> None:
        def fresh(info: ClinicInfo | None) -> None:
            if info is not None:
                self.session.clinic = info
                self.update_title()
            page = self.pages.get("決済会社設定")
            if isinstance(page, PaymentSettingsPage):
                page.reload()

        async_ops.run_op(self.session.actions.clinic_info(), on_success=fresh, name="clinic-info")

    def show_about(self) -> AboutDialog:
        """ヘルプ › このアプリについて: version and log file (non-modal; returned for tests)."""
        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- status --------------------------------------------------------------------------------

    def update_title(self) -> None:
        staff = self.staff_combo.currentText()
        name = self.session.clinic.name or self.tr("（クリニック名 未設定）")
        prefix = self.tr("【トレーニング】") if self.session.training else ""
        self.setWindowTitle(f"{prefix}{name} — {staff}｜" + self.tr("クリニック決済"))
        self.title_label.setText(f"{prefix}{name}　{staff}")

    def apply_clinic(self) -> None:
        """Badge, banner and status bar as the clinic's mode and tenant are now (no restart needed)."""
        clinic = self.session.clinic
        mode = clinic.payment_mode
        if self.session.training:  # the training banner and badge say what is open; the demo's mode is fixed
            self.mode_banner.hide()
            self.update_title()
            return
        self.mode_badge.setText(i18n.mode_label(mode))
        self.mode_badge.setStyleSheet(MODE_STYLE[mode] + " padding: 2px 8px; border-radius: 3px; font-weight: bold;")
        self.status_mode.setText(i18n.mode_label(mode))
        if mode is PaymentMode.DEMO:
            text, style = self.tr("デモモードです。決済は実際には行われません。"), MODE_BANNER_STYLE["demo"]
        elif mode is PaymentMode.TEST and clinic.payment_block == "tenant_not_registered":
            text = self.tr("テストモードです。PAY.JPのテナント登録が済むまで、カード決済は利用できません（決済会社設定）。")
            style = MODE_BANNER_STYLE["demo"]
        elif mode is PaymentMode.LIVE:
            text, style = self.tr("本番モードです。実際のカードに請求されます。"), MODE_BANNER_STYLE["live"]
        else:
            text, style = "", ""
        self.mode_banner.setText(text)
        self.mode_banner.setStyleSheet(style + " padding: 3px 10px;")
        self.mode_banner.setVisible(bool(text))
        self.update_title()

    def set_server_status(self, url: str | None, *, starting: bool = False) -> None:
        if starting:
            self.status_server.setText(self.tr("決済ページ: 起動中…"))
            return
        self.status_server.setText(self.tr("決済ページ: 稼働中 {url}").format(url=url) if url else self.tr("決済ページ: 停止中"))

    def set_outbox_status(self, pending: int, failed: int) -> None:
        parts = []
        if pending:
            parts.append(self.tr("未送信 {n} 件").format(n=pending))
        if failed:
            parts.append(self.tr("送信失敗 {n} 件").format(n=failed))
        self.status_outbox.setText("　".join(parts))
        self.status_outbox.setVisible(bool(parts))

    def _on_busy_changed(self, count: int) -> None:
        self.busy_bar.setVisible(count > 0)

    def _on_staff_activated(self, index: int) -> None:
        self.session.staff_id = int(self.staff_combo.itemData(index))
        self.update_title()
        settings_page = self.pages.get("決済会社設定")
        if isinstance(settings_page, PaymentSettingsPage):
            settings_page.apply_role()
        self.staff_changed.emit(self.session.staff_id)

    def _on_lang_activated(self, index: int) -> None:
        lang = str(self.lang_combo.itemData(index))
        if lang != i18n.language():
            self.language_changed.emit(lang)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()

    def disconnect_bridge(self) -> None:
        bridge = messages.bridge()
        try:
            bridge.shown.disconnect(self.banner.show_message)
        except (RuntimeError, TypeError):
            pass

