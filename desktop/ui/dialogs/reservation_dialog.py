"""予約の登録 for a phone booking: patient, menu, date and time, 伝達事項, attachment names."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, QTime
from PySide6.QtWidgets import QComboBox, QCompleter, QDateEdit, QDialog, QFileDialog, QFormLayout, QHBoxLayout
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QPushButton, QWidget

from desktop.domain.errors import ValidationError
from desktop.domain.formatting import JST
from desktop.domain.patients import phone_digits
from desktop.domain.text import fold_kana
from desktop.services.front_desk import MenuInfo, PatientInfo
from desktop.ui import i18n
from desktop.ui.dialogs.patient_dialog import PatientDialog
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import ClockEdit, ErrorLabel, cancel_button, dialog_buttons, with_error


SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
"""The patient item's search key: 姓名, フリガナ and phone through ``fold_kana``."""


class PatientCompleter(QCompleter):
    """Finds a patient by any part of 姓名, フリガナ or phone, typed as staff type it.

    The typed text and each patient's key go through the same ``fold_kana`` (NFKC, hiragana as
    katakana), so ``ﾀｶﾊｼ``, ``たかはし`` and ``高橋`` all find 高橋 花子 (タカハシ ハナコ).
    """

    def splitPath(self, path: str) -> list[str]:
        return [fold_kana(path)]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:
        return str(index.data(Qt.ItemDataRole.DisplayRole) or "")


@dataclasses.dataclass(frozen=True)
class ReservationInput:
    patient_id: int
    menu_id: int
    starts_at: dt.datetime  # aware (JST)
    message: str
    attachments: list[str]


class ReservationDialog(QDialog):
    """予約の登録. With a ``session``, 「新規患者」 registers a patient and selects them.

    ``patient_id`` is chosen in 患者 (the patient of the reservation selected in 予約管理); without
    it 患者 starts empty, so a booking never goes to a patient nobody chose."""

    def __init__(self, patients: list[PatientInfo], menus: list[MenuInfo], day: dt.date,
                 parent: QWidget | None = None, *, session: UiSession | None = None,
                 patient_id: int | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.patient_dialog: PatientDialog | None = None
        self.setWindowTitle(self.tr("予約の登録"))
        self.setMinimumWidth(480)
        self.result_value: ReservationInput | None = None
        form = QFormLayout(self)
        self.patient_combo = QComboBox()
        self.patient_combo.setEditable(True)  # type to find a patient
        self.patient_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for p in patients:
            self._add_patient_item(p)
        self.patient_combo.setCurrentIndex(self.patient_combo.findData(patient_id) if patient_id is not None else -1)
        completer = PatientCompleter(self.patient_combo.model(), self)
        completer.setCompletionRole(SEARCH_ROLE)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.patient_combo.setCompleter(completer)
        self.new_patient_button = QPushButton(self.tr("新規患者"))
        self.new_patient_button.setToolTip(self.tr("新規患者を登録して選択します"))
        self.new_patient_button.setAutoDefault(False)
        self.new_patient_button.setVisible(session is not None)
        self.new_patient_button.clicked.connect(self._on_new_patient_clicked)
        patient_row = QHBoxLayout()
        patient_row.addWidget(self.patient_combo, 1)
        patient_row.addWidget(self.new_patient_button)
        self.menu_combo = QComboBox()
        for m in menus:
            self.menu_combo.addItem(m.name, m.id)
        self.date_edit = QDateEdit(QDate(day.year, day.month, day.day))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy/MM/dd")
        self.time_edit = ClockEdit(QTime(10, 0))
        self.time_edit.setAccessibleName(self.tr("時刻"))
        when = QHBoxLayout()
        when.addWidget(self.date_edit)
        when.addWidget(self.time_edit)
        self.message_edit = QPlainTextEdit()
        self.message_edit.setTabChangesFocus(True)
        self.message_edit.setFixedHeight(70)
        self.attachments_edit = QLineEdit()
        self.attachments_edit.setPlaceholderText(self.tr("添付ファイル名（複数はカンマ区切り）"))
        browse = QPushButton(self.tr("ファイルを選択…"))
        browse.clicked.connect(self._on_browse_clicked)
        files = QHBoxLayout()
        files.addWidget(self.attachments_edit)
        files.addWidget(browse)
        self.error = ErrorLabel()  # under 患者
        self.time_error = ErrorLabel()
        form.addRow(self.tr("患者"), with_error(patient_row, self.error))
        form.addRow(self.tr("メニュー"), self.menu_combo)
        form.addRow(self.tr("日時"), with_error(when, self.time_error))
        form.addRow(self.tr("伝達事項"), self.message_edit)
        form.addRow(self.tr("添付ファイル"), files)
        self.cancel_button = cancel_button(self)
        self.ok_button = QPushButton(self.tr("登録"))
        self.ok_button.setDefault(True)
        form.addRow(dialog_buttons(self.ok_button, cancel=self.cancel_button))
        self.ok_button.clicked.connect(self._on_ok_clicked)

    def _add_patient_item(self, p: PatientInfo) -> None:
        self.patient_combo.addItem(f"{p.name}（{p.phone}）" if p.phone else p.name, p.id)
        key = fold_kana(f"{p.name} {p.kana} {p.phone} {phone_digits(p.phone)}")
        self.patient_combo.setItemData(self.patient_combo.count() - 1, key, SEARCH_ROLE)

    def _on_new_patient_clicked(self) -> None:
        if self.session is not None:
            self.patient_dialog = PatientDialog.open_for(self, self.session, on_saved=self._on_patient_saved)

    def _on_patient_saved(self, patient: PatientInfo) -> None:
        self._add_patient_item(patient)
        self.patient_combo.setCurrentIndex(self.patient_combo.count() - 1)
        self.error.clear_error()
        self.menu_combo.setFocus()

    def _on_browse_clicked(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, self.tr("添付ファイル"))
        if names:
            self.attachments_edit.setText(", ".join(pathlib.Path(n).name for n in names))

    def _on_ok_clicked(self) -> None:
        """Check 患者 and 時刻 together (both messages at once), then register."""
        lang = i18n.language()
        index = self.patient_combo.findText(self.patient_combo.currentText())
        self.error.clear_error()
        self.time_error.clear_error()
        if index < 0 or self.menu_combo.currentIndex() < 0:
            self.error.show_error(ValidationError("field_required", label="患者").message(lang))
        try:
            t = self.time_edit.time()
        except ValidationError as exc:
            self.time_error.show_error(exc.message(lang))
            t = None
        if index < 0 or self.menu_combo.currentIndex() < 0 or t is None:
            (self.patient_combo if index < 0 else self.time_edit).setFocus()
            return
        d = self.date_edit.date()
        starts = dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=JST)
        files = [f.strip() for f in self.attachments_edit.text().replace("、", ",").split(",") if f.strip()]
        self.result_value = ReservationInput(int(self.patient_combo.itemData(index)), int(self.menu_combo.currentData()),
                                             starts, self.message_edit.toPlainText().strip(), files)
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, patients: list[PatientInfo], menus: list[MenuInfo],
            day: dt.date, session: UiSession | None = None, patient_id: int | None = None) -> ReservationInput | None:
        dialog = cls(patients, menus, day, parent, session=session, patient_id=patient_id)
        try:
            return dialog.result_value if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
