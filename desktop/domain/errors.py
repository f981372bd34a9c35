"""Errors meant for people.

Every error a receptionist or a patient may see is a ``UserError`` with a code from
``MESSAGES``: the Japanese text of each code is a gettext msgid, translated when the message is
read (``message(lang)``) and formatted with the error's parameters. Errors travel and are stored
as code and parameters, never as rendered text. Anything else is a bug: it is logged and shown
as a short generic message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any, TypeVar

from desktop.domain.labels import label as enum_label
from desktop.i18n import N_, NP_, gettext, pgettext

Lang = str  # "ja" | "en"
T = TypeVar("T")

MESSAGES: dict[str, str] = {
    "amount_required": N_("金額を入力してください。"),
    "amount_negative": N_("金額にマイナスは入力できません。"),
    "amount_not_whole": N_("金額は1円単位で入力してください（小数は入力できません）。"),
    "amount_not_integer": N_("金額は数字で入力してください（例：1,200）。"),
    "amount_too_small": N_("金額は{min:,}円以上で入力してください（PAY.JPで決済できる最低金額です。1円などの少額は決済できません）。"),
    "amount_too_large": N_("金額は{max:,}円以下で入力してください（PAY.JPで決済できる上限です）。"),
    "email_missing": N_("患者様のメールアドレスが登録されていないため、請求メールを送れません。患者情報にメールアドレスを登録してください。"),
    "email_invalid": N_("メールアドレスの形式が正しくありません：{address}"),
    "email_legacy_carrier": N_("このメールアドレスは古い携帯キャリアの形式です（「..」や「@」直前の「.」）。保存できますが、受け取れないメールサーバーもあります：{address}"),
    "addressee_unprintable": N_("宛名の「{char}」（{codepoint}）は領収書に印刷できない文字です。別の字で入力してください。"),
    "message_too_long": N_("伝達事項は{max:,}文字以内で入力してください。"),
    "refund_reason_too_long": N_("返金理由は{max}文字以内で入力してください。"),
    "refund_amount_invalid": N_("返金額は1円以上の整数で入力してください。"),
    "refund_amount_exceeds": N_("返金額が返金可能な残額（{remaining}）を超えています。"),
    "link_expiry_days_invalid": N_("決済リンクの有効期限は1〜30日で設定してください。"),
    "kana_invalid": N_("{label}はひらがなまたはカタカナで入力してください。"),
    "sex_invalid": N_("性別は「男性」「女性」「その他」から選んでください。"),
    "phone_invalid": N_("電話番号は数字とハイフンで入力してください（例：090-1234-5678）。"),
    "language_invalid": N_("メールの言語は日本語か英語を選んでください。"),
    "field_required": N_("{label}を入力してください。"),
    "time_invalid": N_("時刻は「16:30」のように入力してください（0:00〜23:59）。"),
    "menu_price_invalid": N_("料金は0〜9,999,999円の整数で入力してください。"),
    "payment_kind_required": N_("決済種別を1つ以上選んでください。"),
    "field_too_long": N_("{label}は{max}文字以内で入力してください。"),
    "not_found": N_("対象のデータが見つかりません。"),
    "request_not_cancellable": N_("この請求は取り消せません（現在の状態：{state}）。"),
    "request_processing": N_("決済処理中のため操作できません。しばらくしてから再度お試しください。"),
    "request_not_refundable": N_("この請求は返金できません（現在の状態：{state}）。"),
    "refund_limit_exceeded": N_("決済から180日を過ぎているため、PAY.JPで返金できません。"),
    "manager_only": N_("返金は管理者のみ実行できます。管理者のアカウントでサインインしてください。"),
    "refund_in_progress": N_("この請求は別の端末で返金処理中です。"),
    "post_payment_not_allowed": N_("このメニューでは後決済請求を利用できません（決済タイミングに後決済が含まれ、クレジットカード決済が「あり」のメニューのみ）。"),
    "pre_payment_not_allowed": N_("このメニューでは事前決済を利用できません（決済タイミングに事前決済が含まれ、クレジットカード決済が「あり」のメニューのみ）。"),
    "payment_company_unusable": N_("決済会社（PAY.JP）の利用準備ができていません。決済会社設定をご確認ください。"),
    "tenant_not_registered": N_("テストモードでは、PAY.JPのテナント登録が済むまでカード決済を利用できません。決済会社設定で「テナント登録する」を行ってください。"),
    "tenant_not_approved": N_("本番モードでは、PAY.JPの審査が「承認」になるまでカード決済を利用できません。決済会社設定で審査状況をご確認ください。"),
    "card_payment_unavailable": N_("申し訳ありません。ただいまこのクリニックではカードでのお支払いを受け付けておりません。お手数ですがクリニックへお問い合わせください。"),
    "platform_fee_rate_invalid": N_("プラットフォーム手数料率は0〜95（%）、小数点以下2桁までで入力してください（例: 3.25）。"),
    "reservation_cancelled": N_("キャンセルされた予約には請求できません。"),
    "visit_has_open_request": N_("この予約には未決済の請求（{amount:,}円）があります。新しい請求を送るには、その請求を取り消して置き換えてください。"),
    "day_not_over": N_("{day} はまだ終わっていないため締められません（日本時間で翌日から締められます）。"),
    "day_already_closed": N_("{day} はすでに締め済みです。"),
    "day_has_pending": N_("{day} にPAY.JPの応答を待っている決済または返金があるため、まだ締められません。しばらくしてからもう一度お試しください。"),
    "visit_already_paid": N_("この予約は決済済みです（{amount:,}円）。さらに請求する場合は追加請求として確認してください。"),
    "link_unknown": N_("このお支払いリンクは無効です。メールに記載のリンクをご確認ください。"),
    "link_expired": N_("このお支払いリンクは有効期限が切れています。お手数ですがクリニックへお問い合わせください。"),
    "link_cancelled": N_("このご請求は取り消されました。お手数ですがクリニックへお問い合わせください。"),
    "link_paid": N_("このご請求はお支払い済みです。"),
    "card_declined": N_("カードが利用できませんでした。別のカードをお試しいただくか、カード会社へお問い合わせください。"),
    "expired_card": N_("カードの有効期限が切れています。"),
    "incorrect_card_data": N_("カード番号・有効期限・セキュリティコードのいずれかが正しくありません。"),
    "invalid_cvc": N_("セキュリティコードが正しくありません。"),
    "processing_error": N_("カード会社との通信でエラーが発生しました。時間をおいて再度お試しください。"),
    "unacceptable_brand": N_("このカードブランドはご利用いただけません。"),
    "card_flagged": N_("カードが一時的にロックされています。しばらくしてから再度お試しください。"),
    "token_already_used": N_("カード情報の有効期限が切れました。もう一度カード情報を入力してください。"),
    "three_d_secure_failed": N_("本人認証（3Dセキュア）に失敗しました。もう一度お試しください。"),
    "three_d_secure_incomplete": N_("本人認証（3Dセキュア）が完了していません。"),
    "three_d_secure_expired": N_("本人認証（3Dセキュア）が30分以内に完了しなかったため、お支払いは完了していません。"),
    "invalid_card_name": N_("カード名義は半角英字で入力してください（45文字以内）。"),
    "saved_card_missing": N_("この患者様には登録済みカードがありません。"),
    "auto_charge_fell_back": N_("登録済みカードで決済できなかったため、お支払いのお願いをメールで送りました（{reason}）"),
    "auto_charge_over_cap": N_("請求額が自動決済の上限額（{cap}）を超えるため、お支払いのお願いをメールで送りました。"),
    "saved_card_consent_required": N_("カードを登録するには、次回以降のお支払いへの利用に同意してください。"),
    "payment_failed": N_("決済できませんでした（{reason}）。"),
    "payjp_unavailable": N_("PAY.JPに接続できません。時間をおいて再度お試しください。"),
    "database_busy": N_("データベースが別の端末またはプログラムで使用中です。何も変更されていません。しばらくしてからもう一度お試しください。"),
    "payjp_busy": N_("PAY.JPが混み合っています。時間をおいて再度お試しください。"),
    "payjp_auth": N_("PAY.JPのAPIキーが正しくありません。決済会社設定をご確認ください。"),
    "payjp_rejected": N_("PAY.JPが要求を受け付けませんでした（{reason}）。"),
    "outcome_unknown": N_("PAY.JPからの応答が確認できませんでした。結果を確認中です。二重に決済されることはありません。"),
    "tenant_required": N_("このクリニックはPAY.JPのテナントに登録されていないため、決済・返金できません。決済会社設定でテナント登録をしてください。"),
    "tenant_mismatch": N_("この決済は別のPAY.JPテナントのものです。操作を中止しました。"),
    "secret_key_missing": N_("この端末にPAY.JPのシークレットキーが登録されていません。"),
    "unexpected": N_("予期しないエラーが発生しました。もう一度お試しください。"),
    "permission_denied": N_("{action}は{needed}のみ行えます。{needed}のアカウントでサインインしてください。"),
    "password_too_short": N_("パスワードは{min}文字以上で、よく使われるパスワード（password123 など）以外にしてください。"),
    "password_too_long": N_("パスワードは{max}文字以内で入力してください。"),
    "password_common": N_("このパスワードはよく使われていて推測されやすいため使えません。{min}文字以上で、よく使われるパスワードや名前以外にしてください。"),
    "pin_invalid": N_("PINは4〜8桁の数字で入力してください。"),
    "staff_name_duplicate": N_("同じ名前のスタッフ（{name}）がすでに登録されています。別の名前にしてください。"),
    "last_manager": N_("有効な管理者が他にいないため、このスタッフを無効にしたり管理者以外にしたりできません。先に別の管理者を登録してください。"),
    "manager_exists": N_("このクリニックにはすでに管理者が登録されています。"),
    "sign_in_failed": N_("パスワードまたはPINが正しくありません（あと{left}回間違えると{minutes}分間ロックされます）。"),
    "account_locked": N_("パスワードを5回間違えたため、このアカウントはロックされています。{minutes}分ほど待つか、管理者にパスワードの再設定を依頼してください。"),
    "account_disabled": N_("このスタッフは無効になっているためサインインできません。"),
    "pin_not_set": N_("このスタッフにはPINが設定されていません。パスワードを入力してください。"),
    "self_approval": N_("自分の返金を自分で承認することはできません。別の管理者が承認してください。"),
    "approval_not_pending": N_("この返金はすでに承認または取り下げられています。"),
    "auto_charge_cap_invalid": N_("自動決済の上限額は50円から9,999,999円までの金額で入力してください。"),
    "approval_threshold_invalid": N_("承認が必要な返金額は0円以上の整数で入力してください（0は承認なし）。"),
    "auto_lock_invalid": N_("自動ロックまでの時間は1〜120分で入力してください。"),
    "reminder_not_unpaid": N_("リマインダーは未決済の請求にだけ送れます（現在の状態：{state}）。"),
    "reminder_link_expired": N_("決済リンクの有効期限が切れているため、リマインダーは送れません。必要なら再請求してください。"),
    "reminder_already_sent": N_("この請求のリマインダーは {at} に送信済みです（リマインダーは1件の請求につき1回です）。"),
    "reminder_no_email": N_("患者様のメールアドレスが登録されていないため、リマインダーを送れません。"),
    "recon_unknown_charge": N_("PAY.JPに、ClinicPayの記録にない決済があります（{charge}・{amount:,}円・{card}）。PAY.JPの管理画面で内容を確認し、誤った決済であればPAY.JPで返金してください。確認が済んだら「確認済み」にしてください。"),
    "recon_paid_not_recorded": N_("PAY.JPでは決済済み（{charge}・{amount:,}円）ですが、ClinicPayではこの請求は未決済のままです。患者様が二重に支払っていないか確認し、不要な決済はPAY.JPの管理画面で返金してください。"),
    "recon_duplicate_charge": N_("この請求は別の決済で支払い済みですが、PAY.JPに同じ請求の決済がもう1件あります（{charge}・{amount:,}円）。二重払いのため、PAY.JPの管理画面でこの決済を返金してください。"),
    "recon_amount_mismatch": N_("PAY.JPの決済金額（{payjp_amount:,}円）が請求金額（{amount:,}円）と異なります。PAY.JPの管理画面で決済 {charge} を確認してください。"),
    "recon_refund_mismatch": N_("PAY.JPの返金額（{payjp_refunded:,}円）がClinicPayの返金額（{refunded:,}円）と異なります。PAY.JPの管理画面で決済 {charge} の返金を確認してください。"),
    "recon_not_paid_at_payjp": N_("ClinicPayでは決済済みですが、PAY.JPではこの決済（{charge}）は支払われていません。PAY.JPの管理画面で確認し、患者様にご連絡ください。"),
    "recon_running": N_("別の端末でPAY.JPとの照合を実行中です。しばらくしてから要対応をご確認ください。"),
}

# Field labels passed as ``label`` to field_required / field_too_long / kana_invalid, translated
# with the "field" context (an English label starts a sentence: "The clinic name is required.").
FIELD_CONTEXT = "field"
FIELD_LABELS: tuple[tuple[str, str], ...] = (
    NP_("field", "宛名"),
    NP_("field", "クリニック名"),
    NP_("field", "スタッフ名"),
    NP_("field", "姓"),
    NP_("field", "名"),
    NP_("field", "セイ"),
    NP_("field", "メイ"),
    NP_("field", "住所"),
    NP_("field", "患者"),
    NP_("field", "メニュー名"),
    NP_("field", "但し書き"),
    NP_("field", "料金（0〜9,999,999円の整数）"),
    NP_("field", "決済種別（1つ以上選択）"),
)


def render_message(pattern: str, params: Mapping[str, Any], lang: Lang = "ja") -> str:
    """``pattern`` (a Japanese msgid with ``{name}`` placeholders) in ``lang``, formatted.

    Parameters are rendered in ``lang`` too: a ``label`` (a field name in Japanese) through the
    "field" context, a ``label_en`` given by the caller wins in English; enums (a ``BillingState``
    passed as ``state``) as their label; a Japanese ``state`` label as its translation.
    """
    values = dict(params)
    label_en = values.pop("label_en", None)
    for key, value in list(values.items()):
        if isinstance(value, Enum):
            try:
                values[key] = enum_label(value, lang)
            except KeyError:
                values[key] = gettext(lang, str(value.value))
        elif isinstance(value, (Exception, Phrase)) and callable(getattr(value, "message", None)):
            values[key] = getattr(value, "message")(lang)  # a nested error (UserError, MailError)
    if "label" in values and isinstance(values["label"], str):
        values["label"] = (label_en if lang == "en" and label_en else
                           pgettext(lang, FIELD_CONTEXT, values["label"]))
    if isinstance(values.get("state"), str):
        values["state"] = gettext(lang, values["state"])
    return gettext(lang, pattern).format(**values)


class Phrase:
    """A translatable fragment passed as a message parameter: a Japanese msgid (with its gettext
    context, as ``NP_`` marks it) rendered in the reader's language."""

    def __init__(self, msgid: str, context: str | None = None) -> None:
        self.msgid = msgid
        self.context = context

    def message(self, lang: Lang = "ja") -> str:
        """The fragment in ``lang``."""
        return pgettext(lang, self.context, self.msgid) if self.context else gettext(lang, self.msgid)

    def __repr__(self) -> str:
        return f"Phrase({self.msgid!r}, {self.context!r})"


class UserError(Exception):
    """An error with a message for people, rendered in the reader's language.

    Args:
        code: key in ``MESSAGES``.
        field: the input field the error belongs to, if any (shown next to it).
        params: values for the message's placeholders (enums render as their label).

    Raises:
        KeyError: ``code`` is not in ``MESSAGES``.
    """

    messages: Mapping[str, str] = MESSAGES

    def __init__(self, code: str, *, field: str | None = None, **params: Any) -> None:
        if code not in self.messages:
            raise KeyError(f"unknown message code {code!r}")
        self.code = code
        self.field = field
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: Lang = "ja") -> str:
        """The message in ``lang`` ("ja" default, "en")."""
        return render_message(self.messages[self.code], self.params, lang)


class ValidationError(UserError):
    """Bad input: nothing was changed."""


class FormErrors(ValidationError):
    """Several fields of one form refused at once: ``errors`` holds one ``ValidationError`` per
    field, in the form's order, so every message can show under its field together. The exception
    itself reads as the first of them (its code, field, parameters and message)."""

    def __init__(self, errors: Sequence[ValidationError]) -> None:
        if not errors:
            raise ValueError("FormErrors needs at least one error")
        first = errors[0]
        self.messages = first.messages
        super().__init__(first.code, field=first.field, **first.params)
        self.errors = tuple(errors)


def every_error(exc: BaseException) -> tuple[BaseException, ...]:
    """The refusals ``exc`` stands for: each one of a ``FormErrors``, else ``exc`` alone."""
    return exc.errors if isinstance(exc, FormErrors) else (exc,)


class FieldChecks:
    """Checks a form field by field and keeps every refusal, so a form shows all its mistakes at once.

    ``value(check)`` returns what ``check()`` returns, or None when it raised ``ValidationError``
    (kept); ``refuse(exc)`` keeps one more; ``raise_any()`` raises nothing, the one error, or a
    ``FormErrors`` of them all.
    """

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def value(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except ValidationError as exc:
            self.errors.append(exc)
            return None

    def refuse(self, exc: ValidationError) -> None:
        self.errors.append(exc)

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise FormErrors(self.errors)


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


class DatabaseBusyError(UserError):
    """The database stayed locked by another PC or program past the busy timeout (SQLite).

    Nothing was written (the transaction was rolled back); the same action may simply be tried again.
    """

    def __init__(self) -> None:
        super().__init__("database_busy")


class TenantRequiredError(UserError):
    """A money call in テスト or 本番 without the clinic's PAY.JP tenant: refused before anything is sent.

    ``code`` is ``tenant_required`` (no tenant bound) or ``tenant_mismatch`` (PAY.JP returned a
    charge of another tenant).
    """

    def __init__(self, code: str = "tenant_required") -> None:
        super().__init__(code)


class OutcomeUnknownError(UserError):
    """A money call was sent but its answer was lost; it will be reconciled, never repeated."""

    def __init__(self) -> None:
        super().__init__("outcome_unknown")


def message_for_code(code: str, lang: Lang = "ja", **params: Any) -> str:
    """The message of a stored error ``code`` with its ``params``, rendered in ``lang``.

    For codes kept in the database (a failed attempt, a refund); an unknown code gives the
    generic "unexpected" message.
    """
    return render_message(MESSAGES.get(code, MESSAGES["unexpected"]), params, lang)


def message_for(exc: BaseException, lang: Lang = "ja") -> str:
    """The text to show a person for any exception (never a traceback)."""
    if isinstance(exc, UserError):
        return exc.message(lang)
    return UserError("unexpected").message(lang)
