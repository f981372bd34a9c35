"""A yes/no question (削除, 取消 …). Use ``ConfirmDialog.ask``; tests replace it."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.domain.formatting import format_yen


class ConfirmDialog:
    @classmethod
    def ask(cls, parent: QWidget | None, title: str, text: str, ok_text: str, *, keep_text: str | None = None) -> bool:
        """Ask ``text``; True when ``ok_text`` was pressed. The way out (the default button, Enter and Esc)
        reads ``keep_text`` when given, else キャンセル: name it where キャンセル could be read as the action
        itself (取り消す, 予約をキャンセル, 取り下げる …)."""
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(title)
        box.setText(text)
        ok = box.addButton(ok_text, QMessageBox.ButtonRole.AcceptRole)
        keep = keep_text or QCoreApplication.translate("ConfirmDialog", "キャンセル")
        cancel = box.addButton(keep, QMessageBox.ButtonRole.RejectRole)
        box.setEscapeButton(cancel)
        box.setDefaultButton(cancel)
        box.exec()
        accepted = box.clickedButton() is ok
        box.deleteLater()
        return accepted


def confirm_cancel_request(parent: QWidget | None, patient_name: str, amount: int) -> bool:
    """請求を取り消す, asked with the patient and the amount (whole yen) the link was for."""
    title = QCoreApplication.translate("ConfirmDialog", "請求を取り消す")
    text = QCoreApplication.translate(
        "ConfirmDialog", "{patient} 様の請求（{amount}）を取り消しますか？決済用リンクはすぐに使えなくなります。")
    keep = QCoreApplication.translate("ConfirmDialog", "取り消さない")
    return ConfirmDialog.ask(parent, title, text.format(patient=patient_name, amount=format_yen(amount)), title,
                             keep_text=keep)
