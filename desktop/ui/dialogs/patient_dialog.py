"""新規患者 / 患者情報の編集: 姓, 名, セイ, メイ, 性別, 電話番号, Eメール, 住所, メールの言語.

Each field's mistake is shown under it (all of them at once, before anything is sent). Saving
runs off the UI thread; the 保存 button is disabled meanwhile, so a double click saves once.
A patient who may already be registered (same 姓名 and 電話番号, or same Eメール) is a warning:
a second press on 「このまま保存」 saves anyway.

Signals:
    saved(PatientInfo): the patient was saved; the dialog then closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout
from PySide6.QtWidgets import QWidget

from desktop.domain.errors import UserError, ValidationError
from desktop.domain.patients import SEXES, clean_patient_fields
from desktop.domain.text import normalize_text
from desktop.domain.validation import is_legacy_carrier_address
from desktop.services.directory import DuplicatePatient
from desktop.services.front_desk import PatientInfo
from desktop.ui import async_ops, i18n, messages
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import ChoiceRow, FieldErrors, cancel_button, dialog_buttons, heading
from desktop.ui.widgets.saved_card_box import SavedCardBox

TEXT_FIELDS = (("family_name", QT_TRANSLATE_NOOP("PatientDialog", "姓")),
               ("given_name", QT_TRANSLATE_NOOP("PatientDialog", "名")),
               ("family_name_kana", QT_TRANSLATE_NOOP("PatientDialog", "セイ")),
               ("given_name_kana", QT_TRANSLATE_NOOP("PatientDialog", "メイ")),
               ("phone", QT_TRANSLATE_NOOP("PatientDialog", "電話番号")),
               ("email", QT_TRANSLATE_NOOP("PatientDialog", "Eメール")),
               ("address", QT_TRANSLATE_NOOP("PatientDialog", "住所")))
DUPLICATE_TEXT = {
    "name_phone": QT_TRANSLATE_NOOP("PatientDialog", "同じ氏名・電話番号の患者様がすでに登録されています：{who}"),
    "email": QT_TRANSLATE_NOOP("PatientDialog", "同じメールアドレスの患者様がすでに登録されています：{who}"),
}


class PatientDialog(QDialog):
    saved = Signal(object)

    def __init__(self, session: UiSession, patient: PatientInfo | None = None, parent: QWidget | None = None, *,
                 email_error: str | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.patient = patient
        self._saving = False
        self._confirmed: dict[str, Any] | None = None  # values the duplicate warning was shown for
        self._pending: dict[str, Any] | None = None
        self.setWindowTitle(self.tr("新規患者") if patient is None else self.tr("患者情報の編集"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("新規患者") if patient is None
                                 else self.tr("患者情報の編集：{name} 様").format(name=patient.name), 15))
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.edits: dict[str, QLineEdit] = {}
        self.errors = FieldErrors(*(key for key, _label in TEXT_FIELDS), "sex", "language")
        for key, label in TEXT_FIELDS:
            self.edits[key] = QLineEdit()
        kana_hint = self.tr("ひらがな・カタカナ")
        self.edits["family_name_kana"].setPlaceholderText(kana_hint)
        self.edits["given_name_kana"].setPlaceholderText(kana_hint)
        self.edits["phone"].setPlaceholderText("090-1234-5678")
        self.edits["email"].setPlaceholderText("hanako@example.jp")
        self.sex_combo = QComboBox()
        self.sex_combo.addItem(self.tr("未選択"), "")
        for sex in SEXES:
            self.sex_combo.addItem(i18n.sex_label(sex), sex)
        self.language = ChoiceRow([("ja", self.tr("日本語")), ("en", "English")])
        # A legacy carrier address (taro..yamada@docomo.ne.jp) is saved, with this warning under it.
        self.email_warning = QLabel()
        self.email_warning.setObjectName("emailWarning")
        self.email_warning.setWordWrap(True)
        self.email_warning.setStyleSheet("color: #8a4b00;")
        self.email_warning.hide()

        inner_labels: list[QLabel] = []
        for left, right in (("family_name", "given_name"), ("family_name_kana", "given_name_kana")):
            # 姓 [  ] 名 [  ] on one row; each error under its own box (a QFormLayout wraps them right)
            cell, boxes, errors = QWidget(), QHBoxLayout(), QHBoxLayout()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            boxes.addWidget(self.edits[left], 1)
            inner = QLabel(self.tr(dict(TEXT_FIELDS)[right]))
            inner.setContentsMargins(8, 0, 2, 0)
            inner_labels.append(inner)
            boxes.addWidget(inner)
            boxes.addWidget(self.edits[right], 1)
            errors.addWidget(self.errors[left], 1)
            errors.addWidget(self.errors[right], 1)
            column.addLayout(boxes)
            column.addLayout(errors)
            form.addRow(self._row_label(dict(TEXT_FIELDS)[left]), cell)
        for inner in inner_labels:  # 名 and メイ: the two boxes on the right start at the same x
            inner.setFixedWidth(max(x.sizeHint().width() for x in inner_labels))
        wide: list[tuple[str, str, QWidget]] = [("sex", QT_TRANSLATE_NOOP("PatientDialog", "性別"), self.sex_combo)]
        wide += [(key, dict(TEXT_FIELDS)[key], self.edits[key]) for key in ("phone", "email", "address")]
        wide.append(("language", QT_TRANSLATE_NOOP("PatientDialog", "メールの言語"), self.language))
        for key, label, widget in wide:
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(widget)
            column.addWidget(self.errors[key])
            if key == "email":
                column.addWidget(self.email_warning)
            form.addRow(self._row_label(label), cell)
        layout.addLayout(form)
        self.duplicate_label = QLabel()
        self.duplicate_label.setObjectName("duplicateWarning")
        self.duplicate_label.setWordWrap(True)
        self.duplicate_label.setStyleSheet("background: #fff4e5; color: #8a4b00; border: 1px solid #ffd8a8; "
                                           "padding: 6px;")
        self.duplicate_label.hide()
        layout.addWidget(self.duplicate_label)
        self.saved_card: SavedCardBox | None = None
        if patient is not None:
            self.saved_card = SavedCardBox(session, patient.id)
            self.saved_card.changed.connect(lambda: QTimer.singleShot(0, self._fit))
            layout.addWidget(self.saved_card)
            self.saved_card.load()
        self.cancel_button = cancel_button(self)
        self.save_button = QPushButton(self.tr("保存"))
        self.cancel_button.setAutoDefault(False)
        layout.addLayout(dialog_buttons(self.save_button, cancel=self.cancel_button))
        self.save_button.clicked.connect(self._on_save_clicked)
        if patient is not None:
            self._fill(patient)
        for edit in self.edits.values():
            edit.textChanged.connect(self._on_edited)
        self.sex_combo.currentIndexChanged.connect(self._on_edited)
        self.edits["email"].textChanged.connect(self._update_email_warning)
        self._update_email_warning()
        chain: list[QWidget] = [self.edits[k] for k, _ in TEXT_FIELDS[:4]]
        chain += [self.sex_combo, self.edits["phone"], self.edits["email"], self.edits["address"],
                  self.language.focus_proxy(), self.save_button, self.cancel_button]
        for first, then in zip(chain, chain[1:]):
            self.setTabOrder(first, then)
        self.save_button.setDefault(True)
        self.edits["family_name"].setFocus()
        if email_error:
            self.errors["email"].show_error(email_error)
            self.edits["email"].setFocus()
            self.edits["email"].selectAll()

    def _row_label(self, text: str) -> QLabel:
        """A label as tall as a line edit, so it stays beside the box when a message shows under it."""
        label = QLabel(self.tr(text))
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        label.setFixedHeight(self.edits["phone"].sizeHint().height())
        return label

    def _fit(self) -> None:
        """Grow to the height the wrapped messages need (a window's layout ignores height-for-width)."""
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth():
            need = layout.totalHeightForWidth(self.width())
            if need > self.height():
                self.resize(self.width(), need)

    def _fill(self, p: PatientInfo) -> None:
        values = {"family_name": p.family_name, "given_name": p.given_name, "family_name_kana": p.family_name_kana,
                  "given_name_kana": p.given_name_kana, "phone": p.phone, "email": p.email, "address": p.address}
        for key, value in values.items():
            self.edits[key].setText(value)
        self.sex_combo.setCurrentIndex(max(0, self.sex_combo.findData(p.sex)))
        self.language.set_value(p.language if p.language in ("ja", "en") else "ja")

    def _update_email_warning(self) -> None:
        address = normalize_text(self.edits["email"].text())
        legacy = is_legacy_carrier_address(address)
        self.email_warning.setText(UserError("email_legacy_carrier", address=address).message(i18n.language())
                                   if legacy else "")
        self.email_warning.setVisible(legacy)
        QTimer.singleShot(0, self._fit)

    def _on_edited(self) -> None:
        if self._confirmed is not None:  # the warning was about other values
            self._confirmed = None
            self.duplicate_label.hide()
            self.save_button.setText(self.tr("保存"))

    def values(self) -> dict[str, Any]:
        """What the form holds, as typed."""
        out: dict[str, Any] = {key: edit.text() for key, edit in self.edits.items()}
        out["sex"] = str(self.sex_combo.currentData() or "")
        out["language"] = str(self.language.value())
        return out

    def show_error(self, exc: ValidationError) -> bool:
        """Show ``exc`` under its field; False when the field is not on this form."""
        if not self.errors.show(exc):
            return False
        QTimer.singleShot(0, self._fit)
        widget = self.edits.get(exc.field or "")
        if widget is not None:
            widget.setFocus()
        return True

    def _check(self) -> dict[str, Any] | None:
        """Every field checked on its own, so all mistakes show at once; the cleaned values or None."""
        cleaned: dict[str, Any] = {}
        first: ValidationError | None = None
        self.errors.hide_all()
        for key, value in self.values().items():
            try:
                cleaned.update(clean_patient_fields({key: value}))
            except ValidationError as exc:
                self.errors[key].show_error(exc.message(i18n.language()))
                first = first or exc
        if first is not None:
            self.show_error(first)  # the focus goes to the first wrong field
            QTimer.singleShot(0, self._fit)
            return None
        return cleaned

    def _on_save_clicked(self) -> None:
        if self._saving:
            return
        values = self._check()
        if values is None:
            return
        check = values != self._confirmed
        self._saving, self._pending = True, values
        async_ops.run_op(self._save(values, check), busy=[self.save_button, self.cancel_button],
                         busy_text=self.tr("保存中…"), on_success=self._on_saved, on_failure=self._on_failed,
                         name="save-patient")

    async def _save(self, values: dict[str, Any], check_duplicates: bool) -> PatientInfo | list[DuplicatePatient]:
        s = self.session
        patient_id = self.patient.id if self.patient is not None else None
        return await s.actions.save_patient(s.clinic.id, s.actor, patient_id, values,
                                            check_duplicates=check_duplicates)

    def _on_failed(self, exc: BaseException) -> bool:
        self._saving = False
        return shiboken6.isValid(self) and isinstance(exc, ValidationError) and self.show_error(exc)

    def _on_saved(self, result: PatientInfo | list[DuplicatePatient]) -> None:
        self._saving = False
        if not shiboken6.isValid(self):
            return
        if isinstance(result, list):
            self._confirmed = self._pending
            lines = [self.tr(DUPLICATE_TEXT[d.reason]).format(who=f"{d.name}（{d.phone or d.email or '—'}）")
                     for d in result]
            lines.append(self.tr("別の方であれば、「このまま保存」を押してください。"))
            self.duplicate_label.setText("\n".join(lines))
            self.duplicate_label.show()
            self.save_button.setText(self.tr("このまま保存"))
            return
        text = (self.tr("患者を登録しました（{name} 様）。") if self.patient is None
                else self.tr("患者情報を保存しました（{name} 様）。"))
        messages.info(text.format(name=result.name))
        self.saved.emit(result)
        self.accept()

    def reject(self) -> None:
        if not self._saving:  # Esc while saving would lose the answer
            super().reject()

    @classmethod
    def open_for(cls, parent: QWidget | None, session: UiSession, patient: PatientInfo | None = None, *,
                 email_error: str | None = None,
                 on_saved: Callable[[PatientInfo], None] | None = None) -> "PatientDialog":
        """Open the dialog window-modal (not ``exec()``: saving awaits the loop) and return it."""
        dialog = cls(session, patient, parent, email_error=email_error)
        if on_saved is not None:
            dialog.saved.connect(on_saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
