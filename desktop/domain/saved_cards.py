"""Saved cards for 自動決済: the consent text a patient ticks, by version, and how a card is shown."""

from __future__ import annotations

from desktop.i18n import N_, gettext

# The version of the consent text the checkout page shows now; stored with every saved card.
CONSENT_VERSION = "2026-11"

# Every consent text ever shown, by version (Japanese msgids; {clinic} is the clinic's name).
# Never change a published text: add a new version and point CONSENT_VERSION at it.
CONSENT_TEXTS: dict[str, str] = {
    "2026-11": N_(
        "{clinic}が、このカードを今後の診療費・予約料金のお支払いに利用することに同意します。"
        "請求のたびにメールでお知らせし、上限額を超える請求はこれまでどおりお支払いのお願いをメールでお送りします。"
        "カードの登録はいつでも{clinic}の受付へのお申し出で削除できます。"
    ),
}

SAVE_CARD_LABEL = N_("このカードを次回以降のお支払いに利用する")


def consent_text(version: str, clinic: str, lang: str = "ja") -> str:
    """The consent text of ``version`` for ``clinic`` in ``lang`` ("" for an unknown version)."""
    pattern = CONSENT_TEXTS.get(version)
    return gettext(lang, pattern).format(clinic=clinic) if pattern else ""


def card_label(brand: str, last4: str) -> str:
    """「VISA •••• 4242」: the brand in capitals (as printed on cards) and the last 4 digits."""
    return f"{(brand or '').upper()} •••• {last4}".strip()


def expiry_label(month: int, year: int) -> str:
    """有効期限 as MM/YY."""
    return f"{month:02d}/{year % 100:02d}"
