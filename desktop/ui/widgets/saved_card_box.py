"""登録済みカード on the patient's details: the card saved for 自動決済, its consent, and its removal.

Shows brand •••• last 4, 有効期限 MM/YY, 登録日 and the 同意文 the patient agreed to; 削除 by 受付 and
管理者 at the patient's request (deleted at PAY.JP too; the patient gets a notice).
Hidden while the patient has no saved card.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.domain.formatting import format_jst_date
from desktop.domain.saved_cards import consent_text
from desktop.domain.staff import Permission
from desktop.services.billing import SavedCardView
from desktop.ui import async_ops, i18n, messages
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.session import UiSession


class SavedCardBox(QGroupBox):
    """The patient's saved card; ``load`` fetches it (the box stays hidden without one).

    Signals:
        changed(): the box was shown, filled or hidden (its window may need to grow).
    """

    changed = Signal()

    def __init__(self, session: UiSession, patient_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("登録済みカード"))
        self.setObjectName("savedCardBox")
        self.session = session
        self.patient_id = patient_id
        self.card: SavedCardView | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.card_label = QLabel()
        self.expiry_label = QLabel()
        self.saved_label = QLabel()
        self.consent_label = QLabel()
        self.consent_label.setWordWrap(True)
        self.consent_label.setStyleSheet("color: #444;")
        form.addRow(self.tr("カード"), self.card_label)
        form.addRow(self.tr("有効期限"), self.expiry_label)
        form.addRow(self.tr("登録日"), self.saved_label)
        layout.addLayout(form)
        consent_title = QLabel(self.tr("同意文"))
        layout.addWidget(consent_title)
        layout.addWidget(self.consent_label)
        self.remove_button = QPushButton(self.tr("削除"))
        self.remove_button.setAutoDefault(False)
        self.remove_button.setVisible(session.actor.may(Permission.REQUEST))
        self.remove_button.clicked.connect(self._on_remove_clicked)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        self.hide()

    def load(self) -> None:
        """Fetch the saved card in the background and show it (or hide the box)."""
        s = self.session

        def loaded(card: SavedCardView | None) -> None:
            if shiboken6.isValid(self):  # the dialog may have been closed meanwhile
                self.show_card(card)

        def failed(exc: BaseException) -> bool:
            return not shiboken6.isValid(self)  # a closed dialog has nothing to say

        async_ops.run_op(s.actions.saved_card(s.actor, self.patient_id), on_success=loaded, on_failure=failed,
                         name="saved-card")

    def show_card(self, card: SavedCardView | None) -> None:
        self.card = card
        if card is None:
            self.hide()
            self.changed.emit()
            return
        lang = i18n.language()
        self.card_label.setText(card.label)
        self.expiry_label.setText(card.expiry)
        self.saved_label.setText(format_jst_date(card.saved_at, lang))
        self.consent_label.setText(
            self.tr("{date} に同意：").format(date=format_jst_date(card.consent_at, lang)) + "\n"
            + consent_text(card.consent_version, card.clinic_name, lang))
        self.show()
        self.changed.emit()

    def _on_remove_clicked(self) -> None:
        card = self.card
        if card is None:
            return
        if not ConfirmDialog.ask(self, self.tr("登録済みカードの削除"),
                                 self.tr("{card} の登録を削除します。PAY.JPからも削除され、今後は自動決済されません。"
                                         "患者様にはお知らせのメールが届きます。").format(card=card.label),
                                 self.tr("削除する")):
            return
        s = self.session

        def done(_: object) -> None:
            messages.info(self.tr("カード登録を削除しました（{card}）。").format(card=card.label))
            self.show_card(None)

        async_ops.run_op(s.actions.remove_saved_card(s.actor, self.patient_id), busy=[self.remove_button],
                         on_success=done, name="remove-saved-card")
