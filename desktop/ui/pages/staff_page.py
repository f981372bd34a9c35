"""スタッフ管理 (管理者): add staff, rename, set the role 受付 / 管理者 / 経理, disable or enable,
reset a password, set or clear a PIN. Staff are never deleted (the history keeps their names).

Each error shows next to its field in the reader's language; nothing changes then.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton
from PySide6.QtWidgets import QTableWidgetItem, QVBoxLayout, QWidget

from desktop.domain.clinic import StaffRole
from desktop.domain.staff import MAX_FAILED_SIGN_INS, PASSWORD_MIN_LENGTH, Actor
from desktop.services.staff import StaffAccount
from desktop.ui import async_ops, messages
from desktop.ui.dialogs.sign_in_dialog import role_text, staff_text
from desktop.ui.models.columns import short_time
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import FieldErrors, error_row, row_table, scrolled, secret_edit, wrapped_label

ROLES = (StaffRole.STAFF, StaffRole.MANAGER, StaffRole.ACCOUNTANT)
T = TypeVar("T")


class StaffPage(QWidget):
    """Signals: ``security_changed`` after the approval limit or the auto-lock time was saved."""

    security_changed = Signal()

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.accounts: list[StaffAccount] = []
        layout = QHBoxLayout(self)

        left = QVBoxLayout()
        self.table = row_table([self.tr("スタッフ名"), self.tr("権限"), self.tr("状態"), self.tr("PIN")],
                               stretch_column=0, object_name="staffTable")
        left.addWidget(self.table, 1)
        layout.addLayout(left, 3)

        right = QVBoxLayout()
        self.rule_label = wrapped_label(self.tr("パスワードは{n}文字以上で、よく使われるパスワードは使えません。PINは4〜8桁の数字です（担当スタッフの切り替えに使います）。").format(
            n=PASSWORD_MIN_LENGTH))
        right.addWidget(self.rule_label)
        self.lockout_label = wrapped_label(self.tr(
            "パスワードまたはPINを{tries}回続けて間違えると、そのスタッフは{minutes}分間サインインできなくなります"
            "（管理者がパスワードを再設定すると解除されます）。").format(
            tries=MAX_FAILED_SIGN_INS, minutes=session.clinic.lockout_minutes))
        right.addWidget(self.lockout_label)

        add_box = QGroupBox(self.tr("スタッフを追加"))
        add_form = QFormLayout(add_box)
        self.new_name = QLineEdit()
        self.new_role = self._role_combo()
        self.new_password = secret_edit()
        self.new_pin = secret_edit()
        self.new_pin.setPlaceholderText(self.tr("任意（4〜8桁の数字）"))
        self.add_errors = FieldErrors("name", "password", "pin", fallback="name")
        self.add_button = QPushButton(self.tr("追加"))
        error_row(add_form, self.tr("スタッフ名"), self.new_name, self.add_errors["name"])
        add_form.addRow(self.tr("権限"), self.new_role)
        error_row(add_form, self.tr("パスワード"), self.new_password, self.add_errors["password"])
        error_row(add_form, self.tr("PIN"), self.new_pin, self.add_errors["pin"])
        add_form.addRow("", self.add_button)
        right.addWidget(add_box)

        edit_box = QGroupBox(self.tr("選択したスタッフ"))
        edit_form = QFormLayout(edit_box)
        self.selected_label = QLabel()
        self.rename_edit = QLineEdit()
        self.rename_button = QPushButton(self.tr("名前を変更"))
        self.role_combo = self._role_combo()
        self.role_button = QPushButton(self.tr("権限を変更"))
        self.active_button = QPushButton(self.tr("無効にする"))
        self.password_edit = secret_edit()
        self.password_button = QPushButton(self.tr("パスワードを再設定"))
        self.pin_edit = secret_edit()
        self.pin_edit.setPlaceholderText(self.tr("空欄で保存するとPINを削除"))
        self.pin_button = QPushButton(self.tr("PINを設定"))
        self.edit_errors = FieldErrors("name", "role", "active", "password", "pin")
        edit_form.addRow(self.selected_label)
        for label, edit, button, key in (
                (self.tr("スタッフ名"), self.rename_edit, self.rename_button, "name"),
                (self.tr("権限"), self.role_combo, self.role_button, "role"),
                (self.tr("新しいパスワード"), self.password_edit, self.password_button, "password"),
                (self.tr("PIN"), self.pin_edit, self.pin_button, "pin")):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(button)
            error_row(edit_form, label, row, self.edit_errors[key])
        error_row(edit_form, "", self.active_button, self.edit_errors["active"])
        self.edit_box = edit_box
        right.addWidget(edit_box)

        security = QGroupBox(self.tr("セキュリティ"))
        sec_form = QFormLayout(security)
        self.threshold_edit = QLineEdit(str(session.clinic.refund_approval_threshold))
        self.threshold_edit.setToolTip(self.tr("この金額を超える返金には2人目の管理者の承認が必要です（0は承認なし）"))
        self.auto_lock_edit = QLineEdit(str(session.clinic.auto_lock_minutes))
        self.security_errors = FieldErrors("refund_approval_threshold", "auto_lock_minutes",
                                           fallback="refund_approval_threshold")
        self.security_button = QPushButton(self.tr("保存"))
        error_row(sec_form, self.tr("承認が必要な返金額（円を超える）"), self.threshold_edit,
                  self.security_errors["refund_approval_threshold"])
        error_row(sec_form, self.tr("自動ロックまでの時間（分）"), self.auto_lock_edit,
                  self.security_errors["auto_lock_minutes"])
        sec_form.addRow("", self.security_button)
        right.addWidget(security)
        right.addStretch(1)
        # the forms scroll when their messages need more room than the screen has: the window never grows
        column = QWidget()
        column.setLayout(right)
        layout.addWidget(scrolled(column), 2)

        self.table.itemSelectionChanged.connect(self._on_selected)
        self.add_button.clicked.connect(self.add_staff)
        self.rename_button.clicked.connect(self.rename)
        self.role_button.clicked.connect(self.change_role)
        self.active_button.clicked.connect(self.toggle_active)
        self.password_button.clicked.connect(self.reset_password)
        self.pin_button.clicked.connect(self.set_pin)
        self.security_button.clicked.connect(self.save_security)
        self.edit_box.setEnabled(False)
        self.reload()

    def _role_combo(self) -> QComboBox:
        combo = QComboBox()
        for role in ROLES:
            combo.addItem(role_text(role), role.value)
        return combo

    # -- list --------------------------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        s = self.session
        current = self.current()
        keep = select if select is not None else (current.id if current is not None else None)

        def show(accounts: list[StaffAccount]) -> None:
            self.accounts = accounts
            self.table.setRowCount(len(accounts))
            for r, a in enumerate(accounts):
                state = self.tr("有効") if a.active else self.tr("無効")
                if a.locked_until is not None:
                    state = self.tr("ロック中（{time}まで）").format(time=short_time(a.locked_until)[-5:])
                values = (a.name, role_text(a.role), state, self.tr("あり") if a.has_pin else self.tr("なし"))
                for c, text in enumerate(values):
                    item = QTableWidgetItem(text)
                    if not a.active:
                        item.setForeground(Qt.GlobalColor.gray)
                    self.table.setItem(r, c, item)
                if a.id == keep:
                    self.table.selectRow(r)

        async_ops.run_op(s.actions.staff_accounts(s.clinic.id, include_disabled=True), on_success=show,
                         name="staff-accounts")

    def current(self) -> StaffAccount | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.accounts[rows[0].row()] if rows and rows[0].row() < len(self.accounts) else None

    def select(self, staff_id: int) -> None:
        for r, a in enumerate(self.accounts):
            if a.id == staff_id:
                self.table.selectRow(r)

    def _on_selected(self) -> None:
        a = self.current()
        self.edit_errors.hide_all()
        self.edit_box.setEnabled(a is not None)
        if a is None:
            self.selected_label.setText("")
            return
        self.selected_label.setText(staff_text(a.name, a.role))
        self.rename_edit.setText(a.name)
        self.role_combo.setCurrentIndex(max(0, self.role_combo.findData(a.role.value)))
        self.active_button.setText(self.tr("無効にする") if a.active else self.tr("有効にする"))
        self.password_edit.clear()
        self.pin_edit.clear()

    # -- actions -----------------------------------------------------------------------------

    def add_staff(self) -> None:
        self.add_errors.hide_all()
        s = self.session
        role = StaffRole(self.new_role.currentData())

        def done(staff_id: int) -> None:
            messages.info(self.tr("スタッフを追加しました（{name}）。").format(name=self.new_name.text().strip()))
            for edit in (self.new_name, self.new_password, self.new_pin):
                edit.clear()
            self.reload(select=staff_id)

        async_ops.run_op(s.actions.add_staff(s.actor, self.new_name.text(), role, self.new_password.text(),
                                             self.new_pin.text() or None),
                         busy=[self.add_button], on_success=done,
                         on_failure=self.add_errors.show, name="add-staff")

    def _edit(self, change: Callable[[Actor, int, T], Awaitable[None]], value: T, key: str, button: QPushButton,
              text: str) -> None:
        """``change(actor, staff id, value)`` for the selected staff member, ``button`` busy meanwhile:
        ``text`` once done, a refusal under the field ``key``."""
        a = self.current()
        if a is None:
            return
        self.edit_errors.hide_all()

        def done(_r: object) -> None:
            messages.info(text)
            self.reload(select=a.id)

        async_ops.run_op(change(self.session.actor, a.id, value), busy=[button], on_success=done,
                         on_failure=lambda exc: self.edit_errors.show(exc, fallback=key),
                         name="edit-staff")

    def rename(self) -> None:
        self._edit(self.session.actions.rename_staff, self.rename_edit.text(), "name", self.rename_button,
                   self.tr("名前を変更しました。"))

    def change_role(self) -> None:
        self._edit(self.session.actions.set_staff_role, StaffRole(self.role_combo.currentData()), "role",
                   self.role_button, self.tr("権限を変更しました。"))

    def toggle_active(self) -> None:
        a = self.current()
        if a is not None:
            self._edit(self.session.actions.set_staff_active, not a.active, "active", self.active_button,
                       self.tr("スタッフを有効にしました。") if not a.active else self.tr("スタッフを無効にしました。"))

    def reset_password(self) -> None:
        self._edit(self.session.actions.reset_password, self.password_edit.text(), "password", self.password_button,
                   self.tr("パスワードを再設定しました（ロックも解除されます）。"))

    def set_pin(self) -> None:
        pin = self.pin_edit.text() or None
        self._edit(self.session.actions.set_pin, pin, "pin", self.pin_button,
                   self.tr("PINを設定しました。") if pin else self.tr("PINを削除しました。"))

    def save_security(self) -> None:
        """The refund amount above which a second 管理者 approves, and the minutes to auto-lock."""
        self.security_errors.hide_all()
        s = self.session
        threshold, minutes = self.threshold_edit.text(), self.auto_lock_edit.text()

        def done(_r: object) -> None:
            s.clinic = dataclasses.replace(s.clinic, refund_approval_threshold=int(threshold.replace(",", "") or 0),
                                           auto_lock_minutes=int(minutes))
            messages.info(self.tr("セキュリティの設定を保存しました。"))
            self.security_changed.emit()

        async_ops.run_op(s.actions.save_security(s.actor, s.clinic.id, refund_approval_threshold=threshold,
                                                 auto_lock_minutes=minutes),
                         busy=[self.security_button], on_success=done,
                         on_failure=self.security_errors.show,
                         name="save-security")
