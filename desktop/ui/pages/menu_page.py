"""メニュー設定: the list of menus and the form with every field, 複製 / 保存 / 削除."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLineEdit, QListWidgetItem, QPlainTextEdit
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from desktop.domain.billing import TaxCategory
from desktop.domain.clinic import PaymentTiming
from desktop.domain.errors import UserError, ValidationError, every_error
from desktop.domain.formatting import format_yen
from desktop.domain.money import read_yen
from desktop.services.directory import MenuInput, menu_problems
from desktop.services.front_desk import MenuInfo
from desktop.ui import async_ops, i18n, messages
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import ChoiceRow, FieldErrors, ValueList, button_bar, shortcut_button, with_error


class MenuPage(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.current: MenuInfo | None = None
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.list = ValueList()
        self.list.setStyleSheet("QListWidget::item { padding: 6px; border-bottom: 1px solid #dde3ea; } "
                                "QListWidget::item:selected { background: #2f6fae; color: white; }")
        self.new_button = shortcut_button(self.tr("新規メニュー"), "Ctrl+N")
        left.addWidget(self.list, 1)
        left.addWidget(self.new_button)
        layout.addLayout(left, 2)

        form_host = QWidget()
        form = QFormLayout(form_host)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name_edit = QLineEdit()
        self.price_edit = QLineEdit()
        self.price_edit.setPlaceholderText("3300")
        self.tax = ChoiceRow([(category, i18n.enum_label(category)) for category in TaxCategory])
        self.card = ChoiceRow([(True, self.tr("あり")), (False, self.tr("なし"))])
        self.lump_sum = QCheckBox(self.tr("一括"))
        self.lump_sum.setChecked(True)
        self.timing = ChoiceRow([(t, i18n.timing_label(t)) for t in
                                 (PaymentTiming.PRE_AND_POST, PaymentTiming.PRE, PaymentTiming.POST)])
        self.attachment = ChoiceRow([(True, self.tr("あり")), (False, self.tr("なし"))])
        self.attachment.set_value(False)
        self.purpose_edit = QLineEdit()  # 但し書き printed on the receipt
        self.purpose_edit.setMaxLength(50)
        self.purpose_edit.setPlaceholderText(self.tr("診療代として"))
        self.purpose_edit.setToolTip(self.tr("領収書の「但し」に印刷されます。空欄のときは「診療代として」です。"))
        self.note_edit = QPlainTextEdit()
        self.confirm_edit = QPlainTextEdit()
        for edit in (self.note_edit, self.confirm_edit):
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(70)
        self.errors = FieldErrors("name", "price", "lump_sum", "receipt_purpose", "form", fallback="form")
        self.fields: dict[str, QWidget] = {"name": self.name_edit, "price": self.price_edit, "lump_sum": self.lump_sum,
                                           "receipt_purpose": self.purpose_edit}
        form.addRow(self.tr("メニュー名"), with_error(self.name_edit, self.errors["name"]))
        form.addRow(self.tr("料金 (税込)"), with_error(self.price_edit, self.errors["price"]))
        form.addRow(self.tr("課税区分"), self.tax)
        form.addRow(self.tr("クレジットカード決済 (必須)"), self.card)
        form.addRow(self.tr("決済種別（1つ以上選択）"), with_error(self.lump_sum, self.errors["lump_sum"]))
        form.addRow(self.tr("決済タイミング (必須)"), self.timing)
        form.addRow(self.tr("添付ファイル (必須)"), self.attachment)
        form.addRow(self.tr("但し書き"), with_error(self.purpose_edit, self.errors["receipt_purpose"]))
        form.addRow(self.tr("備考"), self.note_edit)
        form.addRow(self.tr("確認メッセージ"), self.confirm_edit)
        self.duplicate_button = shortcut_button(self.tr("複製"), "Ctrl+D")
        self.save_button = shortcut_button(self.tr("保存"), "Ctrl+S")
        self.delete_button = shortcut_button(self.tr("削除"), "Ctrl+Delete")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_host)
        # the buttons stay under the scrolled form: a message in it never moves 保存
        right = QVBoxLayout()
        right.addWidget(scroll, 1)
        right.addWidget(self.errors["form"])
        right.addLayout(button_bar(self.duplicate_button, None, self.delete_button, self.save_button))
        layout.addLayout(right, 5)

        self.list.currentItemChanged.connect(lambda item, _prev: self._on_item_changed(item))
        self.new_button.clicked.connect(self.new_menu)
        self.duplicate_button.clicked.connect(self._on_duplicate_clicked)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self._update_buttons()
        self.reload()

    # -- list ----------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        s = self.session
        keep = select_id if select_id is not None else (self.current.id if self.current else None)
        async_ops.run_op(s.actions.menus(s.clinic.id),
                         on_success=lambda menus: self._show(menus, keep), name="menus")

    def _show(self, menus: list[MenuInfo], select_id: int | None) -> None:
        rows = ((f"{m.name}\n{format_yen(m.price)}　{i18n.timing_label(m.payment_timing)}", m) for m in menus)
        if self.list.refill(rows, keep=lambda m: m.id == select_id) is None:
            self.new_menu()

    def _on_item_changed(self, item: QListWidgetItem | None) -> None:
        menu = ValueList.value_of(item) if item is not None else None
        if isinstance(menu, MenuInfo):
            self.fill(menu)

    # -- form ----------------------------------------------------------------------------------

    def fill(self, m: MenuInfo | None) -> None:
        self.current = m
        self.errors.hide_all()
        self.name_edit.setText(m.name if m else "")
        self.price_edit.setText(str(m.price) if m else "")
        self.tax.set_value(m.tax_category if m else TaxCategory.TAXABLE)
        self.card.set_value(m.card_payment if m else True)
        self.lump_sum.setChecked(m.lump_sum if m else True)
        self.timing.set_value(m.payment_timing if m else PaymentTiming.POST)
        self.attachment.set_value(m.attachment_required if m else False)
        self.purpose_edit.setText(m.receipt_purpose if m else "")
        self.note_edit.setPlainText(m.note if m else "")
        self.confirm_edit.setPlainText(m.confirmation_message if m else "")
        self._update_buttons()

    def new_menu(self) -> None:
        self.list.clearSelection()
        self.fill(None)
        self.name_edit.setFocus()

    def _update_buttons(self) -> None:
        self.delete_button.setEnabled(self.current is not None)
        self.duplicate_button.setEnabled(self.current is not None)

    def form_input(self) -> MenuInput:
        """The form as a ``MenuInput`` (a price that is not a whole number of yen reads as -1, which
        ``menu_problems`` reports)."""
        try:
            price = read_yen(self.price_edit.text(), field="price")
        except ValidationError:
            price = -1
        return MenuInput(
            name=self.name_edit.text(), price=price, tax_category=TaxCategory(self.tax.value()),
            card_payment=bool(self.card.value()), lump_sum=self.lump_sum.isChecked(),
            payment_timing=PaymentTiming(self.timing.value()), attachment_required=bool(self.attachment.value()),
            note=self.note_edit.toPlainText().strip(), confirmation_message=self.confirm_edit.toPlainText().strip(),
            receipt_purpose=self.purpose_edit.text(),
        )

    def show_errors(self, problems: list[UserError]) -> None:
        """Each message under its field, all at once; the focus goes to the first wrong field."""
        self.errors.hide_all()
        for exc in problems:
            self.errors.show(exc)
        if problems:
            self.fields.get(problems[0].field or "", self.name_edit).setFocus()

    def _show_error(self, exc: BaseException) -> bool:
        """A refusal from saving: every message of it under its field (the focus to the first)."""
        if not isinstance(exc, UserError):
            return False
        self.show_errors([one for one in every_error(exc) if isinstance(one, UserError)])
        return True

    def save(self) -> None:
        data = self.form_input()
        problems = menu_problems(data)
        self.show_errors(list(problems))
        if problems:
            return
        s = self.session
        menu_id = self.current.id if self.current else None

        def done(saved_id: int) -> None:
            messages.info(self.tr("保存しました。"))
            self.reload(saved_id)
            s.events.menus_changed.emit()

        async_ops.run_op(s.actions.save_menu(s.actor, s.clinic.id, data, menu_id),
                         busy=[self.save_button], busy_text=self.tr("処理中…"), on_success=done,
                         on_failure=self._show_error, name="save-menu")

    def _on_duplicate_clicked(self) -> None:
        if self.current is None:
            return
        copy_name = self.name_edit.text() + self.tr("のコピー")
        self.current = None
        self.list.clearSelection()
        self.name_edit.setText(copy_name)
        self._update_buttons()
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def _on_delete_clicked(self) -> None:
        m = self.current
        if m is None:
            return
        question = self.tr("メニュー「{name}」を削除しますか？").format(name=m.name)
        if not ConfirmDialog.ask(self, self.tr("削除"), question, self.tr("削除")):
            return
        s = self.session

        def done(deleted: bool) -> None:
            messages.info(self.tr("メニューを削除しました。") if deleted else
                          self.tr("予約があるため、メニューをアーカイブしました（一覧に表示されなくなります）。"))
            self.current = None
            self.reload()
            s.events.menus_changed.emit()

        async_ops.run_op(s.actions.delete_menu(s.actor, m.id), busy=[self.delete_button],
                         on_success=done, name="delete-menu")
