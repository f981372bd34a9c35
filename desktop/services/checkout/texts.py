"""Texts of the patient's pages that Python code (not a template) renders: JSON error messages
and the receipt PDF. Templates use ``_()`` directly; both read the gettext catalogs.

Pages pick the language from ``?lang=`` or the browser's ``Accept-Language``; the clinic's
own data (names, addresses) is shown as entered.
"""

from __future__ import annotations

from typing import Callable

from desktop.domain.formatting import Language
from desktop.i18n import N_, NP_, gettext, pgettext_pair

# key -> Japanese msgid (``NP_`` pairs carry a context).
TEXTS: dict[str, str | tuple[str, str]] = {
    "err_expired_page": N_("ページの有効期限が切れました。ページを再読み込みしてください。"),
    "too_many_body": N_("しばらく待ってからもう一度お試しください。"),
    "title_receipt": N_("領収書"),
    "reissued": N_("再発行"),
    "receipt_no": N_("No."),
    "issue_date": N_("領収日"),
    "addressee_line": NP_("addressee", "{name} 様"),
    "receipt_sum": N_("金額"),
    "receipt_for": N_("但し"),
    "receipt_purpose_default": N_("診療代として"),
    "received_with_thanks": N_("上記正に領収いたしました。"),
    "breakdown": N_("内訳"),
    "taxable_10": N_("10%対象（税込）"),
    "tax_amount": N_("うち消費税"),
    "non_taxable_amount": N_("非課税"),
    "refund_amount": N_("返金額"),
    "refund_date": N_("返金日"),
    "fully_refunded": N_("返金済み"),
    "net_amount": N_("返金後のご請求額"),
    "card_payment": N_("クレジットカード"),
    "payment_method": N_("お支払い方法"),
    "paid_at": N_("お支払い日時"),
    "registration_number": N_("登録番号"),
}


def translator(lang: Language) -> Callable[..., str]:
    """``t("key", **params)`` in ``lang``: the catalog's text for ``TEXTS[key]``, formatted.

    Raises ``KeyError`` for an unknown key.
    """

    def t(key: str, **params: object) -> str:
        marked = TEXTS[key]
        text = gettext(lang, marked) if isinstance(marked, str) else pgettext_pair(lang, marked)
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
