"""The process's ``QApplication``: name, window icon, the Japanese UI font; nothing else is loaded."""

from __future__ import annotations

import sys

from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication

from desktop.paths import resource_path


def configure_qt_app(argv: list[str], version: str | None = None) -> QApplication:
    """The existing ``QApplication`` or a new one over ``argv`` (Qt's own options), set up for ClinicPay.

    ``version`` (``desktop.version.version()``) is set when given; the start sets it once the
    window is up, so that reading the package metadata does not delay the first window.
    """
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName("ClinicPay")
    if version is not None:
        app.setApplicationVersion(version)
    app.setWindowIcon(QIcon(str(resource_path("icons", "clinicpay.svg"))))
    app.setQuitOnLastWindowClosed(False)  # the app's main coroutine ends the loop after cleaning up
    font = QFont(app.font())
    font.setFamilies(["Yu Gothic UI", "Meiryo UI", "Noto Sans CJK JP", "Noto Sans JP", font.family()])
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    return app
