"""The window shown the moment the app starts, while the database opens in the background.

``python -m desktop`` shows it before anything slow is imported or opened (only PySide6 is
loaded by then); the database, its migrations, the demo data and the servers are prepared
behind it, and it gives way to the サインイン dialog or the main window once they are ready.
It imports nothing of the app beyond ``PySide6`` and ``desktop.paths`` so that it appears
within a few hundred milliseconds of the start (benchmarks/startup.py).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QGuiApplication
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QVBoxLayout, QWidget


class StartingWindow(QMainWindow):
    """クリニック決済 — 起動しています…: the app's name, what it is doing, a busy bar.

    Same default size as the main window (1280×720 logical pixels, shrunk to the screen), so
    that the main window, which takes its place and geometry, appears where it was.
    Closing it before the app is ready sets ``abandoned`` (the start then ends once the database
    work under way has finished) and emits ``close_requested``.
    """

    close_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("StartingWindow")
        self.setWindowTitle(self.tr("クリニック決済"))
        self._ready = False
        self.abandoned = False
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addStretch(2)
        icon = QLabel()
        icon.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        app_icon = QGuiApplication.windowIcon()
        if not app_icon.isNull():
            icon.setPixmap(app_icon.pixmap(QSize(72, 72)))
        layout.addWidget(icon)
        self.title = QLabel(self.tr("クリニック決済"))
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.title)
        self.step = QLabel(self.tr("起動しています…"))
        self.step.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.step.setObjectName("startingStep")
        layout.addWidget(self.step)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy: how long the database takes is not known in advance
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(280)
        layout.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        self.setCentralWidget(body)
        self.resize(self._default_size())
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            self.move(screen.availableGeometry().topLeft())

    def _default_size(self) -> QSize:
        """The available area of the screen (without the taskbar or dock), as the main window opens."""
        screen = QGuiApplication.primaryScreen()
        return screen.availableSize() if screen is not None else QSize(1280, 720)

    def set_step(self, text: str) -> None:
        """Say what the app is doing now (an already translated text)."""
        self.step.setText(text)

    def preparing_data_text(self) -> str:
        return self.tr("データベースを準備しています…")

    def starting_servers_text(self) -> str:
        return self.tr("決済ページのサーバーを起動しています…")

    def finish(self) -> None:
        """The app is ready: close without asking to abandon the start."""
        self._ready = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self._ready:
            self.abandoned = True
            self.close_requested.emit()
        super().closeEvent(event)
