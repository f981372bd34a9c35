"""Errors meant for people.

Every error a receptionist or a patient may see is a ``UserError`` with a code from
``MESSAGES``: one Japanese and one English text per code, formatted with the error's
parameters. Anything else is a bug: it is logged and shown as a short generic message.
"""

from __future__ import annotations

from typing import Any

from .billing import BillingState, state_label

Lang = str  # "ja" | "en"

MESSAGES: dict[str, tuple[str, str]] = {
    # --- input -------------------------------------------------------------------------
    "amount_not_integer": (
        "金額は半角数字の整数（円）で入力してください。",
        "Enter the amount as a whole number of yen.",
    ),
    "amount_too_small": (
        "金額は{min:,}円以上で入力してください（PAY.JPで決済できる最低金額です。1円などの少額は決済できません）。",
        "The amount must be at least ¥{min:,} (PAY.JP's minimum charge; smaller amounts such as ¥1 cannot be charged).",
    ),
    "amount_too_large": (
        "金額は{max:,}円以下で入力してください（PAY.JPで決済できる上限です）。",
        "The amount must be at most ¥{max:,} (PAY.JP's maximum charge).",
    ),
    "email_missing": (
        "患者様のメールアドレスが登録されていないため、請求メールを送れません。患者情報にメールアドレスを登録してください。",
        "The patient has no e-mail address, so the payment request cannot be sent. Add an e-mail address to the patient first.",
    ),
    "email_invalid": (
        "メールアドレスの形式が正しくありません：{address}",
        "This e-mail address is not valid: {address}",
    ),
    "email_carrier_rejects": (
        "このメールアドレスは携帯キャリアのメールで受信できない形式です（「..」や「@」直前の「.」）：{address}",
        "Japanese carrier mail would reject this address (it has '..' or a dot right before '@'): {address}",
    ),
    "message_too_long": (
        "伝達事項は{max:,}文字以内で入力してください。",
        "The message must be at most {max:,} characters.",
    ),
    "refund_reason_too_long": (
        "返金理由は{max}文字以内で入力してください。",
        "The refund reason must be at most {max} characters.",
    ),
    "refund_amount_invalid": (
        "返金額は1円以上の整数で入力してください。",
        "Enter a refund amount of at least ¥1.",
    ),
    "refund_amount_exceeds": (
        "返金額が返金可能な残額（{remaining}）を超えています。",
        "The refund is more than what is left to refund ({remaining}).",
    ),
    "link_expiry_days_invalid": (
        "決済リンクの有効期限は1〜30日で設定してください。",
        "The payment link must stay valid for 1 to 30 days.",
    ),
    "kana_invalid": (
        "{label}はひらがなまたはカタカナで入力してください。",
        "{label} must be written in hiragana or katakana.",
    ),
    "sex_invalid": (
        "性別は「男性」「女性」「その他」から選んでください。",
        "Choose the sex: male, female or other.",
    ),
    "phone_invalid": (
        "電話番号は数字とハイフンで入力してください（例：090-1234-5678）。",
        "Enter the phone number in digits and hyphens (e.g. 090-1234-5678).",
    ),
    "language_invalid": (
        "メールの言語は日本語か英語を選んでください。",
        "Choose Japanese or English for the patient's mail.",
    ),
    "field_required": ("{label}を入力してください。", "{label} is required."),
    "field_too_long": (
        "{label}は{max}文字以内で入力してください。",
        "{label} must be at most {max} characters.",
    ),
    # --- state -------------------------------------------------------------------------
    "not_found": ("対象のデータが見つかりません。", "The record was not found."),
    "request_not_cancellable": (
        "この請求は取り消せません（現在の状態：{state}）。",
        "This request cannot be cancelled (it is {state}).",
    ),
    "request_processing": (
        "決済処理中のため操作できません。しばらくしてから再度お試しください。",
        "A payment for this request is being processed. Try again in a moment.",
    ),
    "request_not_refundable": (
        "この請求は返金できません（現在の状態：{state}）。",
        "This request cannot be refunded (it is {state}).",
    ),
    "refund_limit_exceeded": (
        "決済から180日を過ぎているため、PAY.JPで返金できません。",
        "More than 180 days have passed since the payment, so PAY.JP cannot refund it.",
    ),
    "manager_only": (
        "返金は管理者のみ実行できます。担当スタッフを管理者に切り替えてください。",
        "Only a manager can refund. Switch the staff member to a manager.",
    ),
    "refund_in_progress": (
        "この請求は別の端末で返金処理中です。",
        "This request is already being refunded from another PC.",
    ),
    "post_payment_not_allowed": (
        "このメニューでは後決済請求を利用できません（決済タイミングに後決済が含まれ、クレジットカード決済が「あり」のメニューのみ）。",
        "Post-payment requests need a menu whose payment timing includes post-payment and whose card payment is on.",
    ),
    "pre_payment_not_allowed": (
        "このメニューでは事前決済を利用できません（決済タイミングに事前決済が含まれ、クレジットカード決済が「あり」のメニューのみ）。",
        "Pre-payment needs a menu whose payment timing includes pre-payment and whose card payment is on.",
    ),
    "payment_company_unusable": (
        "決済会社（PAY.JP）の利用準備ができていません。決済会社設定をご確認ください。",
        "The payment company (PAY.JP) is not ready to use. Check the payment-company settings.",
    ),
    "reservation_cancelled": (
        "キャンセルされた予約には請求できません。",
        "A cancelled reservation cannot be billed.",
    ),
    # --- links (patient) ---------------------------------------------------------------
    "link_unknown": (
        "このお支払いリンクは無効です。メールに記載のリンクをご確認ください。",
        "This payment link is not valid. Please check the link in your e-mail.",
    ),
    "link_expired": (
        "このお支払いリンクは有効期限が切れています。お手数ですがクリニックへお問い合わせください。",
        "This payment link has expired. Please contact the clinic.",
    ),
    "link_cancelled": (
        "このご請求は取り消されました。お手数ですがクリニックへお問い合わせください。",
        "This request was cancelled by the clinic. Please contact the clinic.",
    ),
    "link_paid": (
        "このご請求はお支払い済みです。",
        "This request has already been paid.",
    ),
    # --- payments ----------------------------------------------------------------------
    "card_declined": (
        "カードが利用できませんでした。別のカードをお試しいただくか、カード会社へお問い合わせください。",
        "The card was declined. Try another card or contact your card issuer.",
    ),
    "expired_card": (
        "カードの有効期限が切れています。",
        "The card has expired.",
    ),
    "incorrect_card_data": (
        "カード番号・有効期限・セキュリティコードのいずれかが正しくありません。",
        "The card number, expiry date or security code is incorrect.",
    ),
    "invalid_cvc": ("セキュリティコードが正しくありません。", "The security code is incorrect."),
    "processing_error": (
        "カード会社との通信でエラーが発生しました。時間をおいて再度お試しください。",
        "An error occurred while contacting the card network. Please try again later.",
    ),
    "unacceptable_brand": (
        "このカードブランドはご利用いただけません。",
        "This card brand is not accepted.",
    ),
    "card_flagged": (
        "カードが一時的にロックされています。しばらくしてから再度お試しください。",
        "The card is temporarily locked. Please try again later.",
    ),
    "token_already_used": (
        "カード情報の有効期限が切れました。もう一度カード情報を入力してください。",
        "The card details can no longer be used. Please enter your card again.",
    ),
    "three_d_secure_failed": (
        "本人認証（3Dセキュア）に失敗しました。もう一度お試しください。",
        "3-D Secure authentication failed. Please try again.",
    ),
    "three_d_secure_incomplete": (
        "本人認証（3Dセキュア）が完了していません。",
        "3-D Secure authentication is not complete.",
    ),
    "invalid_card_name": (
        "カード名義は半角英字で入力してください（45文字以内）。",
        "Enter the cardholder name in Latin letters (45 characters at most).",
    ),
    "saved_card_missing": (
        "この患者様には保存されたカードがありません。",
        "This patient has no saved card.",
    ),
    "payment_failed": (
        "決済できませんでした（{reason}）。",
        "The payment failed ({reason}).",
    ),
    # --- service availability ----------------------------------------------------------
    "payjp_unavailable": (
        "PAY.JPに接続できません。時間をおいて再度お試しください。",
        "PAY.JP cannot be reached. Please try again later.",
    ),
    "payjp_busy": (
        "PAY.JPが混み合っています。時間をおいて再度お試しください。",
        "PAY.JP is busy. Please try again in a moment.",
    ),
    "payjp_auth": (
        "PAY.JPのAPIキーが正しくありません。決済会社設定をご確認ください。",
        "The PAY.JP API key is wrong. Check the payment-company settings.",
    ),
    "payjp_rejected": (
        "PAY.JPが要求を受け付けませんでした（{reason}）。",
        "PAY.JP rejected the request ({reason}).",
    ),
    "outcome_unknown": (
        "PAY.JPからの応答が確認できませんでした。結果を確認中です。二重に決済されることはありません。",
        "PAY.JP's answer was lost. The result is being checked; nothing will be charged twice.",
    ),
    "secret_key_missing": (
        "この端末にPAY.JPのシークレットキーが登録されていません。",
        "No PAY.JP secret key is stored on this PC.",
    ),
    "unexpected": (
        "予期しないエラーが発生しました。もう一度お試しください。",
        "An unexpected error occurred. Please try again.",
    ),
}


# English for the Japanese field labels passed as ``label`` to field_required / field_too_long.
# A caller may also pass ``label_en`` itself; an unknown label is shown as it is.
FIELD_LABELS_EN: dict[str, str] = {
    "宛名": "The addressee",
    "クリニック名": "The clinic name",
    "スタッフ名": "The staff name",
    "姓": "The family name",
    "名": "The given name",
    "セイ": "The family name in kana",
    "メイ": "The given name in kana",
    "住所": "The address",
    "患者": "The patient",
    "メニュー名": "The menu name",
    "料金（0〜9,999,999円の整数）": "The price (a whole number of yen from 0 to 9,999,999)",
    "決済種別（1つ以上選択）": "A payment type (choose at least one)",
}


class UserError(Exception):
    """An error with a message for people, in Japanese and English.

    Args:
        code: key in ``MESSAGES``.
        field: the input field the error belongs to, if any (shown next to it).
        params: values for the message's placeholders.
    """

    def __init__(self, code: str, *, field: str | None = None, **params: Any) -> None:
        if code not in MESSAGES:
            raise KeyError(f"unknown message code {code!r}")
        self.code = code
        self.field = field
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: Lang = "ja") -> str:
        ja, en = MESSAGES[self.code]
        params = {k: state_label(v, lang) if isinstance(v, BillingState) else v for k, v in self.params.items()}
        label_en = params.pop("label_en", None)
        if lang == "en" and "label" in params:
            params["label"] = label_en or FIELD_LABELS_EN.get(str(params["label"]), params["label"])
        return (en if lang == "en" else ja).format(**params)


class ValidationError(UserError):
    """Bad input: nothing was changed."""


class StateError(UserError):
    """The record is not in a state that allows the action: nothing was changed."""


class NotFoundError(UserError):
    def __init__(self) -> None:
        super().__init__("not_found")


class PaymentError(UserError):
    """PAY.JP answered that the card or the charge cannot go through.

    ``payjp_code`` keeps PAY.JP's own error code (e.g. ``card_declined``) for the record.
    """

    def __init__(self, code: str, *, payjp_code: str | None = None, **params: Any) -> None:
        self.payjp_code = payjp_code or code
        super().__init__(code, **params)


class ServiceUnavailableError(UserError):
    """PAY.JP (or the mail server) could not be reached; nothing is known to have happened."""


class OutcomeUnknownError(UserError):
    """A money call was sent but its answer was lost; it will be reconciled, never repeated."""

    def __init__(self) -> None:
        super().__init__("outcome_unknown")


def message_for(exc: BaseException, lang: Lang = "ja") -> str:
    """The text to show a person for any exception (never a traceback)."""
    if isinstance(exc, UserError):
        return exc.message(lang)
    return UserError("unexpected").message(lang)
