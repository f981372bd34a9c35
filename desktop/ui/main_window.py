"""The main window: 三本線 button with the left column, the pages, a message banner, the status area.

It navigates and shows state; the pages and the services do the work.

Signals:
    closed: the window was closed (the app then shuts down).
    language_changed(lang): the user chose another UI language (the app rebuilds the window).
    staff_changed(staff_id): another staff member signed in on this PC.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
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
from desktop.services.front_desk import StaffInfo
from desktop.ui import i18n, messages
from desktop.ui.dialogs.about_dialog import AboutDialog
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.pages.billing_page import BillingPage
from desktop.ui.pages.mailbox_page import MailboxPage
from desktop.ui.pages.menu_page import MenuPage
from desktop.ui.pages.payment_settings_page import PaymentSettingsPage
from desktop.ui.pages.reservations_page import ReservationsPage
from desktop.ui.session import UiSession

BANNER_STYLE = {
    "error": "background: #fdecea; color: #b71c1c; border: 1px solid #f5c6c2;",
    "warning": "background: #fff4e5; color: #8a4b00; border: 1px solid #ffd8a8;",
    "info": "background: #e8f4fd; color: #0d47a1; border: 1px solid #b6dcfb;",
}
SUB_PAGES = {"決済会社設定"}  # shown indented under their parent entry
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
        self.mode_badge = QLabel(i18n.mode_label(session.clinic.payment_mode))
        self.mode_badge.setStyleSheet(MODE_STYLE[session.clinic.payment_mode] +
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
        if session.clinic.payment_mode is PaymentMode.DEMO:
            demo = QLabel(self.tr("デモモードです。決済は実際には行われません。"))
            demo.setStyleSheet("background: #fff3e0; color: #8a4b00; padding: 3px 10px;")
            outer.addWidget(demo)

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
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)
        help_menu = self.menuBar().addMenu(self.tr("ヘルプ"))
        self.about_action = help_menu.addAction(self.tr("このアプリについて"))
        self.about_action.triggered.connect(self.show_about)

        self.status_mode = QLabel(i18n.mode_label(session.clinic.payment_mode))
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
        self.update_title()
        self.resize(1280, 720)
        self.show_page_index(0)

    # -- navigation --------------------------------------------------------------------------

    def toggle_nav(self) -> None:
        self.nav.setVisible(not self.nav.isVisible())
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

    def show_about(self) -> AboutDialog:
        """ヘルプ › このアプリについて: version and log file (non-modal; returned for tests)."""
        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- status --------------------------------------------------------------------------------

    def update_title(self) -> None:
        staff = self.staff_combo.currentText()
        self.setWindowTitle(f"{self.session.clinic.name} — {staff}｜" + self.tr("クリニック決済"))
        self.title_label.setText(f"{self.session.clinic.name}　{staff}")

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

