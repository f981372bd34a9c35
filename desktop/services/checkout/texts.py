"""Words of the patient's pages, in Japanese (default) and English.

Pages pick the language from ``?lang=`` or the browser's ``Accept-Language``; the clinic's
own data (names, addresses) is shown as entered.
"""

from __future__ import annotations

from typing import Callable

from desktop.domain.formatting import Language

TEXTS: dict[str, tuple[str, str]] = {
    "lang_switch": ("English", "日本語"),
    "title_pay": ("支払い情報", "Payment"),
    "clinic": ("クリニック", "Clinic"),
    "reservation": ("予約", "Reservation"),
    "reservation_at": ("予約日時", "Date and time"),
    "patient": ("お名前", "Name"),
    "amount": ("お支払い金額（税込）", "Amount (tax included)"),
    "tax_part": ("うち消費税（10%）", "Consumption tax (10%) included"),
    "non_taxable": ("非課税", "Tax-exempt"),
    "message": ("伝達事項", "Message from the clinic"),
    "pay_by_card": ("クレジットカードでお支払い", "Pay by card"),
    "brands_label": ("ご利用いただけるカード", "Accepted cards"),
    "card_number": ("カード番号", "Card number"),
    "card_expiry": ("有効期限（月 / 年）", "Expiry (MM / YY)"),
    "card_cvc": ("CVC番号", "Security code (CVC)"),
    "card_name": ("名前（カード名義）", "Cardholder name"),
    "card_name_hint": ("半角英字で入力（例：TARO YAMADA）", "Latin letters as on the card (e.g. TARO YAMADA)"),
    "email": ("メールアドレス", "E-mail"),
    "phone": ("電話番号", "Phone"),
    "contact_hint": ("本人認証（3Dセキュア）のため、メールアドレスか電話番号のどちらかが必要です。",
                     "3-D Secure needs your e-mail address or your phone number."),
    "pay_button": ("支払う {amount}", "Pay {amount}"),
    "paying": ("処理中です…", "Processing…"),
    "tds_note": ("カード会社の本人認証（3Dセキュア）画面に移動します。認証が終わるとこのページに戻ります。",
                 "You will be taken to your card issuer to confirm the payment (3-D Secure), then back here."),
    "err_name_required": ("カード名義を入力してください。", "Enter the cardholder name."),
    "err_name_format": ("カード名義は半角英字・数字・スペース・ピリオド・ハイフンで45文字以内で入力してください。",
                        "Use Latin letters, spaces, periods and hyphens only (45 characters at most)."),
    "err_name_digits": ("カード名義にカード番号やセキュリティコードのような数字は入力できません。",
                        "The name must not contain numbers that look like a card number or security code."),
    "err_contact": ("メールアドレスか電話番号を入力してください。", "Enter your e-mail address or phone number."),
    "err_email": ("メールアドレスの形式が正しくありません。", "This e-mail address is not valid."),
    "err_phone": ("電話番号は数字とハイフンで入力してください。", "Enter the phone number with digits and hyphens."),
    "err_card": ("カード情報を正しく入力してください。", "Check your card details."),
    "err_network": ("通信できませんでした。電波の良い場所でもう一度お試しください。",
                    "The connection failed. Please try again."),
    "err_expired_page": ("ページの有効期限が切れました。ページを再読み込みしてください。",
                         "This page has expired. Please reload it."),
    "title_thanks": ("お支払いありがとうございました", "Thank you for your payment"),
    "thanks_body": ("{clinic}へのお支払いが完了しました。", "Your payment to {clinic} is complete."),
    "paid_amount": ("お支払い金額", "Amount paid"),
    "paid_at": ("お支払い日時", "Paid at"),
    "card_used": ("カード", "Card"),
    "receipt_link": ("領収書を表示する", "View the receipt"),
    "receipt_mail": ("領収のお知らせをメールでもお送りします。", "We will also e-mail you a receipt."),
    "title_paid": ("お支払い済みです", "Already paid"),
    "paid_body": ("このご請求はお支払い済みです。二重に請求されることはありません。",
                  "This request has already been paid. You will not be charged twice."),
    "refunded_note": ("{amount}を返金しました。", "{amount} was refunded."),
    "title_cancelled": ("このご請求は取り消されました", "This request was cancelled"),
    "cancelled_body": ("クリニックがこのご請求を取り消しました。お支払いの必要はありません。ご不明な点はクリニックへお問い合わせください。",
                       "The clinic cancelled this request. You do not need to pay. Please contact the clinic with any questions."),
    "title_expired": ("お支払いリンクの有効期限が切れています", "This payment link has expired"),
    "expired_body": ("お手数ですが、クリニックへお問い合わせください。新しいリンクをお送りします。",
                     "Please contact the clinic; they will send you a new link."),
    "title_processing": ("お支払いを確認しています", "Checking your payment"),
    "processing_body": ("このご請求のお支払いを処理中です。二重に請求されることはありません。しばらくしてからこのページを再読み込みしてください。",
                        "A payment for this request is being processed. You will not be charged twice. Please reload this page in a moment."),
    "processing_tds": ("本人認証（3Dセキュア）が完了していません。続けるには下のボタンを押してください。",
                       "3-D Secure is not finished yet. Press the button below to continue."),
    "continue_tds": ("本人認証を続ける", "Continue 3-D Secure"),
    "reload": ("再読み込み", "Reload"),
    "title_tds_return": ("お支払いを完了しています", "Completing your payment"),
    "tds_return_body": ("本人認証（3Dセキュア）から戻りました。お支払いを完了しています。このままお待ちください。",
                        "You are back from 3-D Secure. We are completing your payment; please wait."),
    "tds_finish_button": ("お支払いを完了する", "Complete the payment"),
    "tds_return_hint": ("画面が切り替わらないときは、上のボタンを押してください。二重に請求されることはありません。",
                        "If nothing happens, press the button above. You will not be charged twice."),
    "title_not_found": ("ページが見つかりません", "Page not found"),
    "not_found_body": ("このお支払いリンクは無効です。メールに記載のリンクをもう一度ご確認ください。",
                       "This payment link is not valid. Please check the link in your e-mail."),
    "title_unavailable": ("ただいまお支払いを受け付けられません", "Payments are unavailable right now"),
    "unavailable_body": ("時間をおいてもう一度お試しください。", "Please try again later."),
    "title_too_many": ("アクセスが集中しています", "Too many requests"),
    "too_many_body": ("しばらく待ってからもう一度お試しください。", "Please wait a moment and try again."),
    "title_forbidden": ("この操作はできません", "This action is not allowed"),
    "forbidden_body": ("ページを再読み込みしてからもう一度お試しください。", "Please reload the page and try again."),
    "contact": ("お問い合わせ", "Contact"),
    "contact_clinic": ("{clinic}（電話 {phone}）", "{clinic} (phone {phone})"),
    "back_to_payment": ("お支払いページへ戻る", "Back to the payment page"),
    "powered_by": ("Powered by PAY.JP", "Powered by PAY.JP"),
    "tokushoho": ("特定商取引法に基づく表記", "Legal notice (Specified Commercial Transactions Act)"),
    "privacy": ("プライバシーポリシー", "Privacy policy"),
    "terms": ("利用規約", "Terms of use"),
    # receipt
    "title_receipt": ("領収書", "Receipt"),
    "reissued": ("再発行", "Reissued"),
    "receipt_no": ("No.", "No."),
    "issue_date": ("領収日", "Date"),
    "addressee": ("宛名", "Addressed to"),
    "addressee_hint": ("領収書の宛名です。最初の発行後は変更できません。", "The name on the receipt. It cannot be changed after the first issue."),
    "honorific": ("様", ""),
    "receipt_sum": ("金額", "Amount"),
    "receipt_for": ("但し", "For"),
    "receipt_for_text": ("{menu}代として", "{menu}"),
    "received_with_thanks": ("上記正に領収いたしました。", "Received with thanks."),
    "breakdown": ("内訳", "Breakdown"),
    "taxable_10": ("10%対象（税込）", "Taxable at 10% (tax incl.)"),
    "tax_amount": ("うち消費税", "of which consumption tax"),
    "non_taxable_amount": ("非課税", "Tax-exempt"),
    "payment_method": ("お支払い方法", "Payment method"),
    "card_payment": ("クレジットカード", "Credit card"),
    "refund": ("返金", "Refund"),
    "net_amount": ("返金後のご請求額", "Amount after refund"),
    "registration_number": ("登録番号", "Registration number"),
    "issue_receipt": ("この宛名で領収書を発行する", "Issue the receipt with this name"),
    "reissue_receipt": ("領収書を再発行する", "Reissue the receipt"),
    "download_pdf": ("PDFをダウンロード", "Download PDF"),
    "print": ("印刷", "Print"),
    "err_addressee": ("宛名は100文字以内で入力してください。", "The name must be at most 100 characters."),
    "issued_count": ("発行回数：{count}回", "Issued {count} times"),
}


def translator(lang: Language) -> Callable[..., str]:
    """``t("key", **params)`` for one language."""
    index = 1 if lang == "en" else 0

    def t(key: str, **params: object) -> str:
        text = TEXTS[key][index]
        return text.format(**params) if params else text

    return t


def pick_language(query_lang: str | None, accept_language: str | None) -> Language:
    """Japanese unless ``?lang=en`` or the browser prefers English over Japanese."""
    if query_lang in ("ja", "en"):
        return "en" if query_lang == "en" else "ja"
    best: tuple[float, str] = (0.0, "ja")
    for part in (accept_language or "").split(","):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        q = 1.0
        for p in pieces[1:]:
            if p.strip().startswith("q="):
                try:
                    q = float(p.strip()[2:])
                except ValueError:
                    q = 0.0
        primary = tag.split("-")[0]
        if primary in ("ja", "en") and q > best[0]:
            best = (q, primary)
    return "en" if best[1] == "en" else "ja"
