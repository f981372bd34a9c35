"""The main window: 三本線 button with the left column, the pages, a message banner, the status area.

It navigates and shows state; the pages and the services do the work.

Signals:
    closed: the window was closed (the app then shuts down).
    language_changed(lang): the user chose another UI language (the app rebuilds the window).
    staff_changed(actor): another staff member signed in on this PC (担当スタッフ with their PIN or
        password, or at unlock); the app rebuilds the window for their role.
    signed_out: サインアウト (the app asks who signs in next).

Auto-lock: after the clinic's ``auto_lock_minutes`` without keyboard or mouse input (and on ロック)
the window and every open dialog are covered (no patient data visible) and the unlock dialog asks
for a password or PIN. The same person gets everything back as it was; another person signing in
instead closes the dialogs unseen and gets a window for their own role.
    workspace_requested(str): open the clinic's database (``"clinic"``) or the demo's (``"demo"``,
        トレーニング); the app rebuilds the graph and the window.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QPushButton, QHBoxLayout, QLabel, QListWidget
from PySide6.QtWidgets import QMainWindow, QProgressBar, QStackedWidget, QToolButton, QVBoxLayout, QWidget

from desktop.domain.clinic import PaymentMode
from desktop.domain.staff import Actor, Permission
from desktop.services.front_desk import ClinicInfo
from desktop.services.setup import SetupStatus, SetupStep
from desktop.services.staff import StaffAccount
from desktop.ui import async_ops, i18n, messages
from desktop.ui.dialogs.about_dialog import AboutDialog
from desktop.ui.dialogs.sign_in_dialog import SignInDialog, staff_text
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.pages.attention_page import AttentionPage
from desktop.ui.pages.audit_page import AuditPage
from desktop.ui.pages.daily_close_page import DailyClosePage
from desktop.ui.pages.billing_page import BillingPage
from desktop.ui.pages.mailbox_page import MailboxPage
from desktop.ui.pages.menu_page import MenuPage
from desktop.ui.pages.payment_settings_page import PaymentSettingsPage
from desktop.ui.pages.reservations_page import ReservationsPage
from desktop.ui.pages.staff_page import StaffPage
from desktop.ui.session import UiSession
from desktop.ui.setup.wizard import SetupWizard

INPUT_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                          QEvent.Type.Wheel})

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
    """Non-blocking messages (errors stay until closed or replaced), floating over the bottom right
    of the page: showing or hiding one never moves anything under the pointer."""

    MARGIN = 12

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setAccessibleName(self.tr("閉じる"))
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.close_button.clicked.connect(self.hide)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the box itself, border included
        if parent is not None:
            parent.installEventFilter(self)
        self.hide()

    def show_message(self, level: str, text: str) -> None:
        style = BANNER_STYLE.get(level, BANNER_STYLE["info"])
        self.setStyleSheet(f"#messageBanner {{ {style} }} #messageBanner QLabel {{ {style} border: none; }} "
                           "#messageBanner QToolButton { border: none; }")
        self.label.setText(text)
        self.place()
        self.show()
        self.raise_()
        self._timer.start(30000 if level == "error" else 8000)

    def place(self) -> None:
        """Bottom right of the parent, at most 560 px (or half the parent) wide, as high as the text."""
        parent = self.parentWidget()
        if parent is None:
            return
        width = max(280, min(560, parent.width() // 2))
        layout = self.layout()
        height = layout.heightForWidth(width) if layout is not None and layout.hasHeightForWidth() else self.sizeHint().height()
        height = max(height, self.minimumSizeHint().height())
        self.setGeometry(parent.width() - width - self.MARGIN, parent.height() - height - self.MARGIN, width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.place()
        return False


class Cover(QLabel):
    """An opaque cover over a window or dialog while the screen is locked (hides what is under it)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lockCover")
        self.setText(self.tr("画面ロック中"))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAutoFillBackground(True)
        self.setStyleSheet("#lockCover { background: #27496d; color: white; font-size: 24px; font-weight: bold; }")
        self.setGeometry(parent.rect())
        parent.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
            self.raise_()
        return False


@dataclasses.dataclass(frozen=True)
class ViewState:
    """What the window shows: the page's key (as in ``MainWindow.pages``), whether ☰ is open, and
    each page's own ``view_state()`` by page key."""

    page: str
    nav_open: bool
    pages: dict[str, object]


class MainWindow(QMainWindow):
    closed = Signal()
    language_changed = Signal(str)
    staff_changed = Signal(object)  # Actor
    signed_out = Signal()
    workspace_requested = Signal(str)

    PAGES = (QT_TRANSLATE_NOOP("MainWindow", "予約管理"), QT_TRANSLATE_NOOP("MainWindow", "決済管理"),
             QT_TRANSLATE_NOOP("MainWindow", "決済会社設定"), QT_TRANSLATE_NOOP("MainWindow", "メニュー設定"),
             QT_TRANSLATE_NOOP("MainWindow", "スタッフ管理"), QT_TRANSLATE_NOOP("MainWindow", "操作履歴"),
             QT_TRANSLATE_NOOP("MainWindow", "要対応"), QT_TRANSLATE_NOOP("MainWindow", "日次締め"),
             QT_TRANSLATE_NOOP("MainWindow", "メールボックス（デモ）"))

    def __init__(self, session: UiSession, accounts: list[StaffAccount] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.accounts: list[StaffAccount] = []
        self.locked = False
        self.lock_dialog: SignInDialog | None = None
        self.switch_dialog: SignInDialog | None = None
        self._covers: list[Cover] = []
        self._covered_dialogs: list[QDialog] = []
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
        self.staff_combo.setAccessibleName(self.tr("担当スタッフ"))
        self._fill_staff(accounts or [])
        self.lock_button = QToolButton()
        self.lock_button.setText(self.tr("ロック"))
        self.lock_button.setToolTip(self.tr("画面をロックします（患者情報を隠します）") + " (Ctrl+L)")
        self.lock_button.setShortcut(QKeySequence("Ctrl+L"))
        self.sign_out_button = QToolButton()
        self.sign_out_button.setText(self.tr("サインアウト"))
        for b in (self.lock_button, self.sign_out_button):
            b.setStyleSheet("QToolButton { color: white; border: 1px solid #8fa9c4; padding: 2px 8px; }")
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
        bar.addWidget(self.lock_button)
        bar.addWidget(self.sign_out_button)
        bar.addWidget(QLabel(self.tr("言語")))
        bar.addWidget(self.lang_combo)
        outer.addWidget(top)

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
        # each role sees the screens it may use (the services refuse the rest anyway)
        self.pages: dict[str, QWidget] = {}
        if session.may(Permission.FRONT_DESK):
            self.pages["予約管理"] = ReservationsPage(session)
        self.pages["決済管理"] = BillingPage(session)
        if not session.may(Permission.HISTORY) or session.is_manager:
            self.pages["決済会社設定"] = PaymentSettingsPage(session)  # 決済管理 › 決済会社設定 (indented sub-entry)
        if session.may(Permission.MENUS):
            self.pages["メニュー設定"] = MenuPage(session)
        if session.may(Permission.STAFF):
            self.pages["スタッフ管理"] = StaffPage(session)
        if session.may(Permission.HISTORY):
            self.pages["操作履歴"] = AuditPage(session)
        self.pages["要対応"] = AttentionPage(session)
        if session.may(Permission.HISTORY):
            self.pages["日次締め"] = DailyClosePage(session)
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
        self.banner = MessageBanner(self.stack)  # floats over the page, outside every layout
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
        self.lock_button.clicked.connect(lambda: self.lock(idle=False))
        self.sign_out_button.clicked.connect(self.sign_out)
        staff_page = self.pages.get("スタッフ管理")
        if isinstance(staff_page, StaffPage):
            staff_page.security_changed.connect(self._apply_auto_lock)
        attention_page = self.pages["要対応"]
        assert isinstance(attention_page, AttentionPage)
        attention_page.open_record.connect(self.open_record)
        attention_page.count_changed.connect(self._show_attention_count)
        audit_page = self.pages.get("操作履歴")
        if isinstance(audit_page, AuditPage):
            audit_page.open_record.connect(self.open_record)
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(max(1, session.clinic.auto_lock_minutes) * 60_000)
        self.idle_timer.timeout.connect(self.lock)
        self.idle_timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        if accounts is None:
            self.reload_staff()
        bridge = messages.bridge()
        bridge.shown.connect(self.banner.show_message)
        bridge.busy_changed.connect(self._on_busy_changed)
        self.setup_wizard: SetupWizard | None = None
        settings_page = self.pages.get("決済会社設定")  # 管理者 only, as is the setup
        if isinstance(settings_page, PaymentSettingsPage):
            settings_page.checklist.open_step.connect(lambda step: self.open_setup(SetupStep(step)))
        session.events.clinic_changed.connect(self.apply_clinic)
        self.apply_clinic()
        self.update_title()
        self._fit_on_show = True  # the first show fills the screen's available area (frame known then)
        self.fit_to_screen()
        self.show_page_index(0)
        if not session.training and settings_page is not None:
            async_ops.run_op(session.actions.setup_status(session.clinic.id), on_success=self._resume_setup,
                             name="setup-resume")

    # -- size and state --------------------------------------------------------------------

    def fit_to_screen(self) -> None:
        """Fill the available area of the window's screen (without the taskbar or dock), frame included."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()
        self.resize(max(640, area.width() - frame.width()), max(480, area.height() - frame.height()))
        self.move(area.topLeft())

    def keep_geometry(self, geometry: QRect) -> None:
        """Open where a window being replaced was (a change of language or staff)."""
        self._fit_on_show = False
        self.setGeometry(geometry)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_on_show:
            self._fit_on_show = False
            self.fit_to_screen()

    def view_state(self) -> ViewState:
        """The page shown and what each page shows (its day, search, selection), to restore after the
        window is rebuilt for another language."""
        pages = {key: getattr(page, "view_state")() for key, page in self.pages.items()
                 if callable(getattr(page, "view_state", None))}
        keys = list(self.pages)
        return ViewState(keys[self.stack.currentIndex()], self.nav.isVisible(), pages)

    def restore_view_state(self, state: ViewState) -> None:
        for key, value in state.pages.items():
            restore = getattr(self.pages.get(key), "restore_view_state", None)
            if callable(restore):
                restore(value)
        if state.page in self.pages:
            index = list(self.pages).index(state.page)
            self.stack.setCurrentIndex(index)
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(index)
            self.nav.blockSignals(False)
        if state.nav_open and not self.nav.isVisible():
            self.toggle_nav()

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
        actor = self.session.actor
        staff = staff_text(actor.name, actor.role)
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

    def reload_staff(self) -> None:
        """Fill 担当スタッフ with the clinic's active staff (the signed-in one selected)."""
        async_ops.run_op(self.session.actions.staff_accounts(self.session.clinic.id), on_success=self._fill_staff,
                         name="staff-list")

    def _fill_staff(self, accounts: list[StaffAccount]) -> None:
        self.accounts = accounts
        actor = self.session.actor
        self.staff_combo.blockSignals(True)
        self.staff_combo.clear()
        if not any(a.id == actor.staff_id for a in accounts):
            self.staff_combo.addItem(staff_text(actor.name, actor.role), actor.staff_id)
        for a in accounts:
            self.staff_combo.addItem(staff_text(a.name, a.role), a.id)
        self.staff_combo.setCurrentIndex(max(0, self.staff_combo.findData(actor.staff_id)))
        self.staff_combo.blockSignals(False)

    def _on_staff_activated(self, index: int) -> None:
        """担当スタッフ: the chosen staff member confirms with their PIN or password first."""
        staff_id = int(self.staff_combo.itemData(index))
        self.staff_combo.setCurrentIndex(max(0, self.staff_combo.findData(self.session.staff_id)))
        if staff_id == self.session.staff_id:
            return
        dialog = SignInDialog(self.session.actions, self.session.clinic.name, self.accounts, purpose="switch",
                              preselect=staff_id, parent=self)
        dialog.pin_check.setChecked(any(a.id == staff_id and a.has_pin for a in self.accounts))
        dialog.signed_in.connect(self._switched)
        dialog.finished.connect(lambda _r: setattr(self, "switch_dialog", None))
        self.switch_dialog = dialog
        dialog.open()

    def _switched(self, actor: Actor) -> None:
        if actor.staff_id == self.session.staff_id:
            return
        self.staff_changed.emit(actor)

    def sign_out(self) -> None:
        """サインアウト (audited); the app asks who signs in next."""
        actor = self.session.actor
        async_ops.run_op(self.session.actions.sign_out(actor), on_success=lambda _r: self.signed_out.emit(),
                         name="sign-out")

    # -- auto-lock ---------------------------------------------------------------------------

    def _apply_auto_lock(self) -> None:
        """The clinic's auto-lock minutes (after スタッフ管理 › セキュリティ changed them)."""
        self.idle_timer.setInterval(max(1, self.session.clinic.auto_lock_minutes) * 60_000)
        self.idle_timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS and not self.locked:
            self.idle_timer.start()
        return False

    def lock(self, *, idle: bool = True, audit: bool = True) -> None:
        """Cover the window and every open dialog, and ask for a password or PIN (audited unless
        ``audit`` is False: a window rebuilt while locked stays locked, not locked again). ``idle``:
        locked by the idle timer (the sign-in says so), not with ロック."""
        if self.locked:
            return
        self.locked = True
        self.idle_timer.stop()
        self.nav.hide()
        self._covers = [Cover(self)]
        self._covered_dialogs = [w for w in QApplication.topLevelWidgets()
                                 if isinstance(w, QDialog) and w.isVisible() and w is not self.lock_dialog]
        self._covers.extend(Cover(d) for d in self._covered_dialogs)
        if audit:
            async_ops.run_op(self.session.actions.lock_screen(self.session.actor), name="lock")
        dialog = SignInDialog(self.session.actions, self.session.clinic.name, self.accounts or [
            StaffAccount(self.session.staff_id, self.session.actor.name, self.session.actor.role, True, True, False,
                         None)], purpose="unlock", preselect=self.session.staff_id, idle=idle, parent=self)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.signed_in.connect(self.unlock)
        self.lock_dialog = dialog
        dialog.open()

    def unlock(self, actor: Actor) -> None:
        """The same person: everything as it was. Someone else: the dialogs close unseen and this
        window stays covered until their own window replaces it (``staff_changed``)."""
        same = actor.staff_id == self.session.staff_id
        if not same:
            for dialog in self._covered_dialogs:
                if dialog.isVisible():
                    dialog.reject()
            self._covered_dialogs = []
            self.lock_dialog = None
            self.staff_changed.emit(actor)
            return
        for cover in self._covers:
            cover.hide()
            cover.deleteLater()
        self._covers, self._covered_dialogs = [], []
        self.lock_dialog = None
        self.locked = False
        self.idle_timer.start()

    def lock_again(self) -> None:
        """The window for whoever unlocked could not be opened: this one asks for a password again."""
        for cover in self._covers:
            cover.hide()
            cover.deleteLater()
        self._covers, self._covered_dialogs = [], []
        self.locked = False
        self.lock(idle=False, audit=False)

    # -- records -----------------------------------------------------------------------------

    def _show_attention_count(self, n: int) -> None:
        """The 要対応 entry shows how many items are open: 「要対応（3）」."""
        i = list(self.pages).index("要対応")
        item = self.nav.item(i)
        if item is not None:
            item.setText(self.tr("要対応（{n}）").format(n=n) if n else self.tr("要対応"))

    def open_record(self, entity_type: str, entity_id: str) -> None:
        """An audit event's record: the request in 決済管理, the reservation in 予約管理, or the screen it belongs to."""
        if entity_type == "billing_request" and "決済管理" in self.pages:
            page = self.show_page("決済管理")
            focus = getattr(page, "show_request", None)
            if callable(focus):
                focus(int(entity_id))
        elif entity_type == "reservation" and "予約管理" in self.pages:
            page = self.show_page("予約管理")
            focus = getattr(page, "show_reservation", None)
            if callable(focus):
                focus(int(entity_id))
        elif entity_type == "menu" and "メニュー設定" in self.pages:
            self.show_page("メニュー設定")
        elif entity_type == "staff" and "スタッフ管理" in self.pages:
            self.show_page("スタッフ管理")
        elif entity_type == "clinic" and "決済会社設定" in self.pages:
            self.show_page("決済会社設定")

    def _on_lang_activated(self, index: int) -> None:
        lang = str(self.lang_combo.itemData(index))
        if lang != i18n.language():
            self.language_changed.emit(lang)

    def closeEvent(self, event: QCloseEvent) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.idle_timer.stop()
        super().closeEvent(event)
        self.closed.emit()

    def disconnect_bridge(self) -> None:
        bridge = messages.bridge()
        try:
            bridge.shown.disconnect(self.banner.show_message)
        except (RuntimeError, TypeError):
            pass

