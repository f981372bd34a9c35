"""The setup's step titles and checklist sentences (Qt context "Setup"), shared by the wizard and the checklist."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop.services.setup import ChecklistItem, SetupStep, Todo
from desktop.ui import i18n
from desktop.ui.i18n import QT_TRANSLATE_NOOP

STEP_TITLES = {
    SetupStep.CLINIC: QT_TRANSLATE_NOOP("Setup", "クリニック情報"),
    SetupStep.MAIL: QT_TRANSLATE_NOOP("Setup", "メール送信"),
    SetupStep.CHECKOUT_URL: QT_TRANSLATE_NOOP("Setup", "決済ページの公開URL"),
    SetupStep.PAYJP_KEYS: QT_TRANSLATE_NOOP("Setup", "PAY.JPのAPIキー"),
    SetupStep.TENANT: QT_TRANSLATE_NOOP("Setup", "テナント登録"),
}
TODO_TEXTS = {
    Todo.CLINIC_DETAILS: QT_TRANSLATE_NOOP("Setup", "未入力の項目があります: {fields}"),
    Todo.SMTP_SERVER: QT_TRANSLATE_NOOP("Setup", "患者様へのメールを送るSMTPサーバーを設定してください"),
    Todo.TEST_MAIL: QT_TRANSLATE_NOOP("Setup", "テスト送信で、メールが届くことを確かめてください"),
    Todo.PUBLIC_URL: QT_TRANSLATE_NOOP("Setup", "患者様が開ける https:// の公開URLを設定してください"),
    Todo.PAYJP_KEYS: QT_TRANSLATE_NOOP("Setup", "PAY.JPの公開キーと、この端末のシークレットキーを登録してください"),
    Todo.TENANT_REGISTER: QT_TRANSLATE_NOOP("Setup", "PAY.JPにテナント登録をして、利用申請をしてください"),
    Todo.TENANT_REVIEW: QT_TRANSLATE_NOOP("Setup", "PAY.JPの審査の承認を待っています（審査状況: {status}）"),
}
FIELD_LABELS = {
    "name": QT_TRANSLATE_NOOP("Setup", "クリニック名"),
    "representative": QT_TRANSLATE_NOOP("Setup", "代表者名"),
    "address": QT_TRANSLATE_NOOP("Setup", "住所"),
    "phone": QT_TRANSLATE_NOOP("Setup", "電話番号"),
    "email": QT_TRANSLATE_NOOP("Setup", "メールアドレス"),
}


def _t(text: str) -> str:
    return QCoreApplication.translate("Setup", text)


def step_title(step: SetupStep) -> str:
    return _t(STEP_TITLES[step])


def todo_text(item: ChecklistItem) -> str:
    """What the item still needs, in the UI language ("" when done)."""
    if item.todo is None:
        return ""
    text = _t(TODO_TEXTS[item.todo])
    if item.todo is Todo.CLINIC_DETAILS:
        separator = QCoreApplication.translate("Setup", "、")
        return text.format(fields=separator.join(_t(FIELD_LABELS[f]) for f in item.missing))
    if item.todo is Todo.TENANT_REVIEW and item.review is not None:
        return text.format(status=i18n.review_label(item.review))
    return text
