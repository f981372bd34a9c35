"""サインイン: the staff list and a password or PIN — at start, 担当スタッフ switch, unlock, second approver.

One dialog for four uses (``purpose``):

* ``start`` — every active staff member; the app builds the window for who signs in.
* ``switch`` — 担当スタッフ: the chosen staff member confirms with their PIN or password.
* ``unlock`` — 画面ロック: the same person (or another one) signs in again.
* ``approve`` — a second 管理者 approves a large refund (only other 管理者 listed).

At ``start``, when nobody of the clinic has a password yet (a new clinic's first run, or an
installation from before staff accounts), the dialog asks the 管理者 for the first password
instead (``first_password``): twice, with the rule shown, an optional PIN, and the 管理者's name
to correct; then they are signed in.

It is shown with ``open()`` (never ``exec()``), so a lock can come on top of another dialog.
``signed_in(actor)`` is emitted on success and the dialog accepts. In デモ (トレーニング) the
accounts' passwords and PINs are shown under the form.

At ``start`` the dialog can be the app's first window: opened from the list kept on this PC
(``desktop.services.sign_in_list``) before the database is open, without ``actions``; it says
データベースを準備しています… under the form, the person can choose their name and type, and
``attach`` gives it the database's list and the actions (a サインイン pressed meanwhile is then
carried out).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.domain.clinic import StaffRole
from desktop.domain.errors import UserError
from desktop.domain.staff import PASSWORD_MIN_LENGTH, Actor
from desktop.services.demo_accounts import DemoAccount
from desktop.services.sign_in_list import ListedStaff
from desktop.ui import i18n
from desktop.ui.widgets.fields import ErrorLabel, cancel_button, dialog_buttons, error_row, secret_edit, wrapped_label

if TYPE_CHECKING:  # the dialog may open before the services are loaded (``desktop.launch``)
    from desktop.services.actions import DeskActions

ACTIONS = {"start": "signed_in", "switch": "switched", "unlock": "unlocked", "approve": "approved_by"}


def role_text(role: StaffRole) -> str:
    """受付 / 管理者 / 経理 in the UI language."""
    from desktop.domain.labels import label

    return label(role, i18n.language())


def staff_text(name: str, role: StaffRole) -> str:
    """``院長 桜井（管理者）`` / ``院長 桜井 (Manager)``: a staff member with their role."""
    if i18n.language() == "en":
        return f"{name} ({role_text(role)})"
    return f"{name}（{role_text(role)}）"


class SignInDialog(QDialog):
    """Sign in with a password or PIN. See the module docstring for ``purpose``."""

    signed_in = Signal(object)  # Actor

    def __init__(self, actions: DeskActions | None, clinic_name: str, accounts: Sequence[ListedStaff], *,
                 purpose: str = "start", preselect: int | None = None, demo: Sequence[DemoAccount] | None = None,
                 idle: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.desk = actions
        self.purpose = purpose
        self.actor: Actor | None = None
        # nobody has a password yet: the 管理者 sets the first one (and may correct their name)
        self.first_password = purpose == "start" and bool(accounts) and not any(a.has_password for a in accounts)
        if self.first_password:
            accounts = [a for a in accounts if a.role is StaffRole.MANAGER] or accounts
        titles = {"start": self.tr("サインイン"), "switch": self.tr("担当スタッフの切り替え"),
                  "unlock": self.tr("画面ロック中"), "approve": self.tr("2人目の管理者の承認")}
        self.setWindowTitle(titles[purpose] + "｜" + self.tr("クリニック決済"))
        self.setMinimumWidth(460)
        if purpose in ("unlock", "start"):
            self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, purpose == "start")
        layout = self._body = QVBoxLayout(self)
        heading = QLabel(self.tr("最初のパスワードの設定") if self.first_password else titles[purpose])
        heading.setStyleSheet("font-size: 20px; font-weight: bold;")
        layout.addWidget(heading)
        self.clinic_label = QLabel(clinic_name)
        layout.addWidget(self.clinic_label)
        notes = {
            "start": self.tr("スタッフを選び、パスワードまたはPINを入力してください。"),
            "switch": self.tr("切り替えるスタッフのPINまたはパスワードを入力してください。"),
            "unlock": self.tr("一定時間操作がなかったため画面をロックしました。ロックを解除するにはパスワードまたはPINを入力してください。"),
            "approve": self.tr("この返金は承認が必要な金額です。別の管理者がパスワードまたはPINを入力してください。"),
        }
        if not idle:  # locked with ロック, not by the idle timer
            notes["unlock"] = self.tr("画面をロックしました。ロックを解除するにはパスワードまたはPINを入力してください。")
        if self.first_password:
            notes["start"] = self.tr("まだパスワードを持つスタッフがいません。管理者のお名前を確認し、最初のパスワードを設定してください。"
                                     "設定後はこのパスワードでサインインし、「スタッフ管理」で他のスタッフを追加できます。")
        layout.addWidget(wrapped_label(notes[purpose]))

        form = QFormLayout()
        self.staff_combo = QComboBox()
        self.staff_combo.setAccessibleName(self.tr("スタッフ"))
        self._fill_staff(accounts, preselect)
        self.secret_edit = secret_edit()
        self.secret_edit.setAccessibleName(self.tr("パスワードまたはPIN"))
        self.pin_check = QCheckBox(self.tr("PINで入力"))
        self.secret_error = ErrorLabel()
        secret_row = QHBoxLayout()
        secret_row.addWidget(self.secret_edit, 1)
        secret_row.addWidget(self.pin_check)
        self.name_edit: QLineEdit | None = None
        self.confirm_edit: QLineEdit | None = None
        self.pin_edit: QLineEdit | None = None
        self.name_error = ErrorLabel()
        self.confirm_error = ErrorLabel()
        self.pin_error = ErrorLabel()
        self.rule_label: QLabel | None = None
        form.addRow(self.tr("スタッフ"), self.staff_combo)
        if self.first_password:
            self._build_first_password(form)
        else:
            error_row(form, self.tr("パスワード"), secret_row, self.secret_error)
        layout.addLayout(form)

        self.ok_button = QPushButton(self.tr("承認する") if purpose == "approve" else
                                     self.tr("ロックを解除") if purpose == "unlock" else
                                     self.tr("パスワードを設定してサインイン") if self.first_password else self.tr("サインイン"))
        self.ok_button.setDefault(True)
        self.cancel_button = cancel_button(self) if purpose in ("switch", "approve") else None
        layout.addLayout(dialog_buttons(self.ok_button, cancel=self.cancel_button))

        # while the database opens (a start from the list kept on this PC): said under the buttons
        self.status_label = QLabel(self.tr("データベースを準備しています…"))
        self.status_label.setObjectName("signInStatus")
        self.status_label.setStyleSheet("color: #555;")
        self.status_label.setVisible(actions is None)
        layout.addWidget(self.status_label)
        self._submit_when_ready = False

        self.demo_label: QLabel | None = None
        self._show_demo(demo or ())

        self.pin_check.toggled.connect(self._on_pin_toggled)
        self.ok_button.clicked.connect(self.submit)
        self.secret_edit.returnPressed.connect(self.submit)
        self.secret_edit.setFocus()

    def _fill_staff(self, accounts: Sequence[ListedStaff], select: int | None) -> None:
        """The staff list, with ``select`` (a staff id) chosen when it is listed."""
        self.staff_combo.clear()
        for a in accounts:
            self.staff_combo.addItem(staff_text(a.name, a.role), a.id)
            self.staff_combo.setItemData(self.staff_combo.count() - 1, a.name, Qt.ItemDataRole.UserRole + 1)
        if select is not None:
            self.staff_combo.setCurrentIndex(max(0, self.staff_combo.findData(select)))

    def _show_demo(self, demo: Sequence[DemoAccount]) -> None:
        """In トレーニング: the demo accounts with their passwords and PINs, under the form."""
        if not demo:
            if self.demo_label is not None:
                self.demo_label.hide()
            return
        lines = [self.tr("トレーニング用アカウント（デモ）")] + [
            self.tr("{name}（{role}）　パスワード: {password}　PIN: {pin}").format(
                name=a.name, role=role_text(a.role), password=a.password, pin=a.pin) for a in demo]
        if self.demo_label is None:
            self.demo_label = QLabel()
            self.demo_label.setObjectName("demoAccounts")
            self.demo_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.demo_label.setStyleSheet("background: #fff3e0; color: #5d3a00; padding: 8px; border-radius: 4px;")
            self._body.addWidget(self.demo_label)
        self.demo_label.setText("\n".join(lines))
        self.demo_label.show()

    @property
    def waiting(self) -> bool:
        """Opened from the list kept on this PC: the database is not open yet."""
        return self.desk is None

    def attach(self, actions: DeskActions, clinic_name: str, accounts: Sequence[ListedStaff],
               demo: Sequence[DemoAccount] = ()) -> bool:
        """The database is open: show its list (the chosen staff member stays chosen while listed)
        and sign in when サインイン was already pressed. False, and nothing changed, when the
        database's list needs another form (nobody has a password yet: the first password is set).
        """
        if self.purpose != "start" or not any(a.has_password for a in accounts):
            return False
        chosen, shown_as = self.staff_combo.currentData(), self.staff_combo.currentText()
        # the same person: the same id, name and role (a kept list of another database never passes)
        still_listed = chosen is not None and any(a.id == chosen and staff_text(a.name, a.role) == shown_as
                                                  for a in accounts)
        self.desk = actions
        self.clinic_label.setText(clinic_name)
        self._fill_staff(accounts, int(chosen) if still_listed else None)
        self._show_demo(demo)
        self.status_label.hide()
        self.ok_button.setEnabled(True)
        pending, self._submit_when_ready = self._submit_when_ready, False
        if pending and still_listed:
            self.submit()
        elif pending:  # the person chosen from the kept list has left it: never try the secret on another
            self.secret_edit.clear()
            self.secret_error.show_error(self.tr("選んだスタッフは現在の一覧にありません。スタッフを選び直してください。"))
            self.staff_combo.setFocus()
        return True

    def _build_first_password(self, form: QFormLayout) -> None:
        """The rows of the first password: name, password twice, the rule, an optional PIN."""
        self.name_edit = QLineEdit(self.staff_combo.currentData(Qt.ItemDataRole.UserRole + 1) or "")
        self.name_edit.setMaxLength(100)
        self.name_edit.setAccessibleName(self.tr("お名前"))
        self.staff_combo.currentIndexChanged.connect(
            lambda _i: self.name_edit.setText(self.staff_combo.currentData(Qt.ItemDataRole.UserRole + 1) or "")
            if self.name_edit is not None else None)
        self.secret_edit.setAccessibleName(self.tr("パスワード"))
        self.confirm_edit = secret_edit()
        self.confirm_edit.setAccessibleName(self.tr("パスワード（確認）"))
        self.rule_label = wrapped_label(self.tr("パスワードは{n}文字以上で、よく使われるパスワードや名前は使えません。").format(
            n=PASSWORD_MIN_LENGTH))
        self.rule_label.setStyleSheet("color: #555;")
        self.pin_edit = secret_edit()
        self.pin_edit.setMaxLength(8)
        self.pin_edit.setPlaceholderText(self.tr("4〜8桁の数字（任意）"))
        self.pin_edit.setAccessibleName(self.tr("PIN（任意）"))
        pin_note = wrapped_label(self.tr("PINは担当スタッフの切り替えや画面ロックの解除に使えます。"))
        pin_note.setStyleSheet("color: #555;")
        self.pin_check.hide()
        error_row(form, self.tr("お名前"), self.name_edit, self.name_error)
        error_row(form, self.tr("パスワード"), self.secret_edit, self.secret_error)
        error_row(form, self.tr("パスワード（確認）"), self.confirm_edit, self.confirm_error)
        form.addRow("", self.rule_label)
        error_row(form, self.tr("PIN（任意）"), self.pin_edit, self.pin_error)
        form.addRow("", pin_note)
        self.confirm_edit.returnPressed.connect(self.submit)
        self.pin_edit.returnPressed.connect(self.submit)
        self.name_edit.setFocus()

    def _on_pin_toggled(self, pin: bool) -> None:
        self.secret_edit.setPlaceholderText(self.tr("4〜8桁の数字") if pin else "")
        self.secret_edit.setFocus()

    def reject(self) -> None:
        """Esc / キャンセル: only a switch or an approval may be abandoned; a lock stays until unlocked."""
        if self.purpose in ("switch", "approve", "start"):
            super().reject()

    def submit(self) -> None:
        """Check the secret off the UI thread; on success emit ``signed_in`` and close."""
        from desktop.ui import async_ops

        staff_id = self.staff_combo.currentData()
        if staff_id is None:
            return
        self.secret_error.clear_error()
        if self.desk is None:  # the database is still opening: sign in once it is (``attach``)
            self._submit_when_ready = True
            self.ok_button.setEnabled(False)
            return
        if self.first_password:
            self._submit_first_password(int(staff_id))
            return
        work = self.desk.sign_in(int(staff_id), self.secret_edit.text(), pin=self.pin_check.isChecked(),
                                    action=ACTIONS[self.purpose])

        def done(actor: Actor) -> None:
            self.actor = actor
            self.secret_edit.clear()
            self.signed_in.emit(actor)
            self.accept()

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, UserError):
                self.secret_error.show_error(exc.message(i18n.language()))
                self.secret_edit.selectAll()
                self.secret_edit.setFocus()
                return True
            return False

        async_ops.run_op(work, busy=[self.ok_button], on_success=done, on_failure=failed, name="sign-in")

    def _submit_first_password(self, staff_id: int) -> None:
        """Set the 管理者's first password (the two entries must match), then sign them in."""
        from desktop.ui import async_ops

        assert self.desk is not None
        assert self.name_edit is not None and self.confirm_edit is not None and self.pin_edit is not None
        for label in (self.name_error, self.confirm_error, self.pin_error):
            label.clear_error()
        if self.secret_edit.text() != self.confirm_edit.text():
            self.confirm_error.show_error(self.tr("確認用のパスワードが一致しません。同じパスワードを2回入力してください。"))
            self.confirm_edit.selectAll()
            self.confirm_edit.setFocus()
            return
        work = self.desk.claim_first_password(staff_id, self.secret_edit.text(), self.pin_edit.text() or None,
                                              name=self.name_edit.text())

        confirm_edit, pin_edit = self.confirm_edit, self.pin_edit

        def done(actor: Actor) -> None:
            self.actor = actor
            for edit in (self.secret_edit, confirm_edit, pin_edit):
                edit.clear()
            self.signed_in.emit(actor)
            self.accept()

        def failed(exc: BaseException) -> bool:
            if not isinstance(exc, UserError):
                return False
            field = exc.field
            label, edit = {"name": (self.name_error, self.name_edit),
                           "pin": (self.pin_error, self.pin_edit)}.get(field or "", (self.secret_error, self.secret_edit))
            assert edit is not None
            label.show_error(exc.message(i18n.language()))
            edit.selectAll()
            edit.setFocus()
            return True

        async_ops.run_op(work, busy=[self.ok_button], on_success=done, on_failure=failed, name="first-password")
