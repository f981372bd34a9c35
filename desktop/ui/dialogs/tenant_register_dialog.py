"""PAY.JP テナント登録: choose 診療種別, then テナントを登録する. Use ``TenantRegisterDialog.ask``; tests replace it."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QPushButton, QVBoxLayout, QWidget

from desktop.domain.clinic import CareType
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.widgets.common import ChoiceRow, cancel_button, dialog_buttons, heading, wrapped_label

TITLE = QT_TRANSLATE_NOOP("TenantRegisterDialog", "PAY.JP テナント登録")
INTRO = QT_TRANSLATE_NOOP("TenantRegisterDialog", "PAY.JPのテナント登録につきまして、下記情報を入力してください。\n"
                          "入力された情報はPAY.JPの本番利用審査に使用します。")
HINT = QT_TRANSLATE_NOOP("TenantRegisterDialog", "施術などで保険診療が含まれない場合は「保険診療含まない」を選択してください。\n"
                         "施術などで保険診療を含む場合は「保険診療含む」を選択してください。")


class TenantRegisterDialog(QDialog):
    """The modal of step ④ of the help page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr(TITLE))
        self.setMinimumWidth(600)
        self.result_value: CareType | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr(TITLE), 16))
        self.intro_label = wrapped_label(self.tr(INTRO))
        layout.addWidget(self.intro_label)
        form = QFormLayout()
        self.care_type = ChoiceRow([(CareType.WITHOUT_INSURANCE, self.tr("保険診療含まない")),
                                    (CareType.WITH_INSURANCE, self.tr("保険診療含む"))])
        form.addRow(self.tr("診療種別"), self.care_type)
        layout.addLayout(form)
        self.hint_label = wrapped_label(self.tr(HINT))  # the dialog's width, never cut off
        self.hint_label.setStyleSheet("color: #555; background: #f5f7fa; padding: 8px; border-radius: 4px;")
        layout.addWidget(self.hint_label)
        self.register_button = QPushButton(self.tr("テナントを登録する"))
        self.register_button.setObjectName("primaryButton")
        self.register_button.setStyleSheet("QPushButton#primaryButton { background: #1976d2; color: white; "
                                           "padding: 6px 18px; font-weight: bold; }")
        self.cancel_button = cancel_button(self)
        layout.addLayout(dialog_buttons(self.register_button, cancel=self.cancel_button))
        self.register_button.setDefault(True)
        self.register_button.clicked.connect(self._on_register_clicked)

    def _on_register_clicked(self) -> None:
        value = self.care_type.value()
        assert isinstance(value, CareType)
        self.result_value = value
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None) -> CareType | None:
        """The chosen 診療種別, or None when cancelled."""
        dialog = cls(parent)
        try:
            return dialog.result_value if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
