"""The 患者情報 box of the reservation detail: 姓名, 性別, 電話番号, Eメール, 住所 and the 編集 button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from desktop.services.front_desk import PatientInfo
from desktop.ui import i18n
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.widgets.common import button_bar, shortcut_button

EDIT_SHORTCUT = "Ctrl+Shift+E"
LABELS = (QT_TRANSLATE_NOOP("PatientBox", "姓名"), QT_TRANSLATE_NOOP("PatientBox", "性別"), QT_TRANSLATE_NOOP("PatientBox", "電話番号"),
          QT_TRANSLATE_NOOP("PatientBox", "Eメール"), QT_TRANSLATE_NOOP("PatientBox", "住所"))


class PatientBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("患者情報"), parent)
        form = QFormLayout(self)
        self.labels: dict[str, QLabel] = {}
        for key in LABELS:
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.labels[key] = label
            form.addRow(self.tr(key), label)
        self.edit_button = shortcut_button(self.tr("編集"), EDIT_SHORTCUT, tip=self.tr("患者情報を編集"))
        self.edit_button.setEnabled(False)
        form.addRow(button_bar(None, self.edit_button))

    def show_patient(self, p: PatientInfo | None) -> None:
        values = ("", "", "", "", "") if p is None else (
            p.name + (f"（{p.kana}）" if p.kana else ""), i18n.sex_label(p.sex) if p.sex else "", p.phone, p.email,
            p.address)
        for key, value in zip(LABELS, values):
            self.labels[key].setText(value or "—")
        self.edit_button.setEnabled(p is not None)
