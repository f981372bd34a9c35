"""ヘルプ › このアプリについて: the app's name and version, and where its log file is."""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QUrl, Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.logs import current_log_file
from desktop.version import version


class AboutDialog(QDialog):
    """Version, the log file (path selectable, its folder one click away) and the runtime."""

    def __init__(self, parent: QWidget | None = None, log_file: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("このアプリについて"))
        self.log_file = log_file if log_file is not None else current_log_file()
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("クリニック決済 (ClinicPay)"))
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        layout.addWidget(title)
        form = QFormLayout()
        self.version_label = QLabel(version())
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tr("バージョン"), self.version_label)
        self.log_label = QLabel(str(self.log_file) if self.log_file else self.tr("なし（ログファイルを作成できませんでした）"))
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tr("ログファイル"), self.log_label)
        runtime = QLabel(f"Python {platform.python_version()} / PySide6 {pyside_version} / {platform.system()}")
        form.addRow(self.tr("動作環境"), runtime)
        layout.addLayout(form)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton(self.tr("ログの場所をコピー"))
        self.open_button = QPushButton(self.tr("ログのフォルダーを開く"))
        for button in (self.copy_button, self.open_button):
            button.setEnabled(self.log_file is not None)
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("閉じる"))
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self._copy_path)
        self.open_button.clicked.connect(self._open_folder)
        layout.addWidget(buttons)
        self.setMinimumWidth(600)

    def _copy_path(self) -> None:
        if self.log_file is not None:
            QGuiApplication.clipboard().setText(str(self.log_file))

    def _open_folder(self) -> None:
        if self.log_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file.parent)))
