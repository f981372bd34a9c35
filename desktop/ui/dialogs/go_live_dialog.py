"""本番モードへの切り替え: every condition with ✓ or its reason, then an explicit confirmation.

Use ``GoLiveDialog.ask(parent, report)`` (True only when every condition holds and the user
ticked the confirmation and pressed 本番モードに切り替える); ``ask_leave_live`` asks before going
back to テスト / デモ. Tests replace either classmethod.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QGridLayout, QHBoxLayout, QLabel, QLayout, QPushButton, QVBoxLayout
from PySide6.QtWidgets import QWidget

from desktop.domain.clinic import PaymentMode
from desktop.services.go_live import GoLiveReport
from desktop.ui import i18n
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.widgets.common import cancel_button, dialog_buttons, heading, wrapped_label

TITLE = QT_TRANSLATE_NOOP("GoLiveDialog", "本番モードへの切り替え")
WHAT_CHANGES = QT_TRANSLATE_NOOP(
    "GoLiveDialog",
    "本番モードに切り替えると、実際のカードに請求されます。\n"
    "・請求メールのリンクと自動決済で、患者様の実際のカードに請求されます（テスト用カードは使えません）。\n"
    "・返金はPAY.JPで実際に行われます。テストモードで作った請求と登録済みカードは使えません。")
CONFIRM = QT_TRANSLATE_NOOP("GoLiveDialog", "実際のカードに請求されることを理解しました")
LEAVE_TITLE = QT_TRANSLATE_NOOP("GoLiveDialog", "本番モードからの切り替え")
LEAVE_TEXTS = {
    PaymentMode.DEMO: (
        QT_TRANSLATE_NOOP("GoLiveDialog", "デモモードに切り替えると、実際の決済は行われなくなります。\n"
                          "患者様に送った請求メールのリンクからは支払えなくなり、本番の決済の返金もできなくなります。"
                          "切り替えますか？"),
        QT_TRANSLATE_NOOP("GoLiveDialog", "デモモードに切り替える")),
    PaymentMode.TEST: (
        QT_TRANSLATE_NOOP("GoLiveDialog", "テストモードに切り替えると、実際のカードには請求されなくなります。\n"
                          "患者様に送った請求メールのリンクからは、テスト用カードでしか支払えなくなります。"
                          "本番の決済の返金は、本番モードに戻してから行ってください。切り替えますか？"),
        QT_TRANSLATE_NOOP("GoLiveDialog", "テストモードに切り替える")),
}
STAY_LIVE = QT_TRANSLATE_NOOP("GoLiveDialog", "本番モードのまま")
PROVE_KEYS = 2  # the dialog's result when the user chose to prove the live keys with their own card
PROOF_TITLE = QT_TRANSLATE_NOOP("GoLiveDialog", "カードでキーを確認")
PROOF_TEXT = QT_TRANSLATE_NOOP(
    "GoLiveDialog",
    "ブラウザで開いたページに、ご自身のカードを入力して「トークン化する」を押してください（請求はされません）。\n"
    "ページに「受け付けました」と表示されたら「確認する」を押してください。")
PROOF_OK = QT_TRANSLATE_NOOP("GoLiveDialog", "確認する")
OK_STYLE = "color: #1b5e20; font-weight: bold;"
NG_STYLE = "color: #c62828; font-weight: bold;"


class GoLiveDialog(QDialog):
    """The conditions of 本番 as just checked, and the confirmation."""

    def __init__(self, report: GoLiveReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        lang = i18n.language()
        self.setWindowTitle(self.tr(TITLE))
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # wrapped labels keep their height
        layout.addWidget(heading(self.tr(TITLE), 16))
        intro = wrapped_label(self.tr("本番モードにするには、次の条件をすべて満たす必要があります。"))
        layout.addWidget(intro)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(1, 1)
        self.marks: dict[str, QLabel] = {}
        self.reasons: dict[str, QLabel] = {}
        for row, result in enumerate(report.results):
            mark = QLabel("✓" if result.ok else "✗")
            mark.setStyleSheet(OK_STYLE if result.ok else NG_STYLE)
            mark.setAlignment(Qt.AlignmentFlag.AlignTop)
            text = wrapped_label(result.item.label(lang))
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(text)
            reason = wrapped_label(result.reason.message(lang) if result.reason is not None else "")
            reason.setStyleSheet("color: #c62828;")
            reason.setVisible(result.reason is not None)
            reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.addWidget(reason)
            if result.reason is not None and result.reason.code == "keys_proof_needed":
                self.prove_button = QPushButton(self.tr(PROOF_TITLE))
                self.prove_button.clicked.connect(lambda: self.done(PROVE_KEYS))
                prove_row = QHBoxLayout()
                prove_row.addWidget(self.prove_button)
                prove_row.addStretch(1)
                box.addLayout(prove_row)
            grid.addWidget(mark, row, 0)
            grid.addLayout(box, row, 1)
            self.marks[result.item.value] = mark
            self.reasons[result.item.value] = reason
        layout.addLayout(grid)
        self.what_changes = wrapped_label(self.tr(WHAT_CHANGES))
        self.what_changes.setMinimumWidth(720)  # the dialog's width (its layout keeps the minimum size)
        self.what_changes.setStyleSheet("background: #fff4e5; color: #7a4100; border: 1px solid #ffd8a8; padding: 8px;")
        layout.addWidget(self.what_changes)
        self.confirm = QCheckBox(self.tr(CONFIRM))
        layout.addWidget(self.confirm)
        self.blocked_label = QLabel(self.tr("満たしていない条件があるため、本番モードには切り替えられません。"))
        self.blocked_label.setStyleSheet("color: #c62828;")
        self.blocked_label.setWordWrap(True)
        self.blocked_label.setVisible(not report.ok)
        layout.addWidget(self.blocked_label)
        self.switch_button = QPushButton(self.tr("本番モードに切り替える"))
        self.switch_button.setObjectName("dangerButton")
        self.switch_button.setStyleSheet("QPushButton#dangerButton { background: #2e7d32; color: white; "
                                         "padding: 6px 18px; font-weight: bold; } "
                                         "QPushButton#dangerButton:disabled { background: #a5d6a7; }")
        self.cancel_button = cancel_button(self)
        layout.addLayout(dialog_buttons(self.switch_button, cancel=self.cancel_button))
        self.confirm.setEnabled(report.ok)
        self.switch_button.setEnabled(False)
        self.cancel_button.setDefault(True)
        self.confirm.toggled.connect(lambda on: self.switch_button.setEnabled(on and report.ok))
        self.switch_button.clicked.connect(self.accept)

    @classmethod
    def ask(cls, parent: QWidget | None, report: GoLiveReport) -> bool:
        """True when the user confirmed the switch (only possible when ``report.ok``)."""
        return cls.choose(parent, report) == QDialog.DialogCode.Accepted.value

    @classmethod
    def choose(cls, parent: QWidget | None, report: GoLiveReport) -> int:
        """``Accepted`` (1) when the user confirmed the switch, ``PROVE_KEYS`` when they chose to
        prove the live keys with their own card, else 0."""
        dialog = cls(report, parent)
        try:
            code = dialog.exec()
            if code == PROVE_KEYS:
                return PROVE_KEYS
            ok = code == QDialog.DialogCode.Accepted and report.ok and dialog.confirm.isChecked()
            return QDialog.DialogCode.Accepted.value if ok else 0
        finally:
            dialog.deleteLater()

    @classmethod
    def ask_proof_done(cls, parent: QWidget | None) -> bool:
        """After the proof page opened in the browser: True when the user says the card was entered."""
        return ConfirmDialog.ask(parent, _tr(PROOF_TITLE), _tr(PROOF_TEXT), _tr(PROOF_OK))

    @classmethod
    def ask_leave_live(cls, parent: QWidget | None, mode: PaymentMode) -> bool:
        """Before leaving 本番: say what changes; True when the user confirmed."""
        text, ok = LEAVE_TEXTS[PaymentMode.DEMO if mode is PaymentMode.DEMO else PaymentMode.TEST]
        return ConfirmDialog.ask(parent, _tr(LEAVE_TITLE), _tr(text), _tr(ok), keep_text=_tr(STAY_LIVE))


def _tr(text: str) -> str:
    return QCoreApplication.translate("GoLiveDialog", text)
