"""Card numbers: PAY.JP's test-card table, brand detection, fingerprints and field rules.

Card numbers live only for the duration of one token request. What the simulator keeps is a
``CardProfile`` (brand, last4, fingerprint and the test behaviour), never the number itself.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from .errors import ApiError, card_error, invalid, missing

# Test cards whose token creation fails (docs.pay.jp/v1/testcard, reference §2.2).
TOKEN_TIME_ERRORS: dict[str, str] = {
    "4000000000000002": "card_declined",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_card_data",
    "4000003720000278": "incorrect_card_data",
    "4000000000000119": "processing_error",
    "36227206271667": "unacceptable_brand",
}

# Test cards that tokenize but fail when charged.
CHARGE_TIME_ERRORS: dict[str, str] = {
    "4000000000080319": "card_declined",
    "4000000000004012": "expired_card",
    "4000000000000077": "incorrect_card_data",
}

# Declines only above this many yen.
DECLINE_ABOVE: dict[str, int] = {"4000000000080202": 10_000}

CVC_CHECK: dict[str, str] = {"4000000000000101": "failed", "4000000000000044": "unavailable"}
ADDRESS_ZIP_CHECK: dict[str, str] = {"4000000000000036": "failed"}

# Overseas-issued: authorization holds longer than 7 days are cut to 7 days.
SHORT_HOLD_DAYS: dict[str, int] = {"4000000900000003": 7}

# Every number of PAY.JP's test-card table: test mode only; live mode refuses them.
SUCCESS_CARDS = frozenset({
    "4242424242424242", "4012888888881881", "5555555555554444", "5105105105105100", "3530111333300000",
    "3566002020360505", "378282246310005", "371449635398431", "38520000023237", "30569309025904",
    "6011111111111117", "6011000990139424",
})
TEST_CARDS = SUCCESS_CARDS | frozenset(TOKEN_TIME_ERRORS) | frozenset(CHARGE_TIME_ERRORS) | frozenset(DECLINE_ABOVE) \
    | frozenset(CVC_CHECK) | frozenset(ADDRESS_ZIP_CHECK) | frozenset(SHORT_HOLD_DAYS)

ERROR_MESSAGES: dict[str, str] = {
    "card_declined": "Card declined.",
    "expired_card": "Card expired.",
    "incorrect_card_data": "Incorrect card data.",
    "processing_error": "An error occurred while processing the card.",
    "unacceptable_brand": "This card brand is not accepted.",
    "invalid_expiry_month": "Invalid expiration month.",
    "invalid_expiry_year": "Invalid expiration year.",
    "invalid_cvc": "Invalid card security code.",
    "test_card_on_livemode": "Test cards cannot be used in live mode.",
}

# Since 2025-02-04: at most 45 half-width letters, digits, spaces, periods and hyphens.
_NAME_ALLOWED = re.compile(r"^[A-Za-z0-9 .\-]{1,45}$")
# Since 2025-04-01 digits that look like a card number are an error instead of being masked.
_NUMBER_LIKE_RUN = re.compile(r"\d(?:[ \-]?\d){9,}")

_FINGERPRINT_SALT = b"clinicpay-simulator-fingerprint-v1"


@dataclass(frozen=True)
class CardProfile:
    """What the simulator remembers about a tokenized card: no PAN, only derived facts."""

    brand: str
    last4: str
    fingerprint: str
    charge_error: str | None
    decline_above: int | None
    cvc_check: str
    address_zip_check: str
    max_hold_days: int | None

    def charge_failure(self, amount: int) -> str | None:
        """The failure code charging ``amount`` yen produces, or None when it succeeds."""
        if self.charge_error is not None:
            return self.charge_error
        if self.decline_above is not None and amount > self.decline_above:
            return "card_declined"
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "brand": self.brand,
            "last4": self.last4,
            "fingerprint": self.fingerprint,
            "charge_error": self.charge_error,
            "decline_above": self.decline_above,
            "cvc_check": self.cvc_check,
            "address_zip_check": self.address_zip_check,
            "max_hold_days": self.max_hold_days,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> CardProfile:
        def opt_int(value: object) -> int | None:
            return value if isinstance(value, int) else None

        return cls(
            brand=str(data["brand"]),
            last4=str(data["last4"]),
            fingerprint=str(data["fingerprint"]),
            charge_error=str(data["charge_error"]) if data.get("charge_error") else None,
            decline_above=opt_int(data.get("decline_above")),
            cvc_check=str(data["cvc_check"]),
            address_zip_check=str(data["address_zip_check"]),
            max_hold_days=opt_int(data.get("max_hold_days")),
        )


def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def detect_brand(number: str) -> str | None:
    """Brand by IIN range, spelled as PAY.JP spells it; None for an unknown range."""
    if number.startswith("4"):
        return "Visa"
    two, four = int(number[:2]), int(number[:4])
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "MasterCard"
    if 3528 <= four <= 3589:
        return "JCB"
    if two in (34, 37):
        return "American Express"
    if two in (36, 38, 39) or 3000 <= four <= 3059 or four == 3095:
        return "Diners Club"
    if number.startswith(("6011", "65")) or 6440 <= four <= 6499 or 6221 <= four <= 6229:
        return "Discover"
    return None


def fingerprint(number: str) -> str:
    """Stable per number, so the same card registered twice is recognisable."""
    return hashlib.sha256(_FINGERPRINT_SALT + number.encode()).hexdigest()[:32]


def validate_card_name(name: str, cvc: str | None = None) -> None:
    if not _NAME_ALLOWED.match(name) or _NUMBER_LIKE_RUN.search(name):
        raise invalid("invalid_card_name", "Invalid card holder name.", "card[name]")
    if cvc and re.search(rf"(?<!\d){re.escape(cvc)}(?!\d)", name):
        raise invalid("invalid_card_name", "Invalid card holder name.", "card[name]")


def _parse_expiry(raw_month: str | None, raw_year: str | None, now: float) -> tuple[int, int]:
    if raw_month is None:
        raise missing("card[exp_month]")
    if raw_year is None:
        raise missing("card[exp_year]")
    try:
        month = int(raw_month)
    except ValueError:
        raise card_error("invalid_expiry_month", ERROR_MESSAGES["invalid_expiry_month"], "card[exp_month]") from None
    try:
        year = int(raw_year)
    except ValueError:
        raise card_error("invalid_expiry_year", ERROR_MESSAGES["invalid_expiry_year"], "card[exp_year]") from None
    if not 1 <= month <= 12:
        raise card_error("invalid_expiry_month", ERROR_MESSAGES["invalid_expiry_month"], "card[exp_month]")
    if year < 100:
        year += 2000
    current = time.gmtime(now)
    if year > current.tm_year + 20:
        raise card_error("invalid_expiry_year", ERROR_MESSAGES["invalid_expiry_year"], "card[exp_year]")
    if (year, month) < (current.tm_year, current.tm_mon):
        raise card_error("expired_card", ERROR_MESSAGES["expired_card"], "card[exp_year]")
    return month, year


@dataclass(frozen=True)
class ValidatedCard:
    """A card from a token request, checked; the number is dropped once the profile exists."""

    profile: CardProfile
    exp_month: int
    exp_year: int


def validate_card(card: dict[str, object], now: float, *, livemode: bool = False) -> ValidatedCard:
    """Apply PAY.JP's token-time rules; raise ``ApiError`` for anything the test table rejects.

    In live mode (``livemode``) a number of the test-card table is refused with
    ``test_card_on_livemode`` (402, a code of PAY.JP's error list; the message is the simulator's own).
    """
    raw_number = card.get("number")
    if not isinstance(raw_number, str) or not raw_number:
        raise missing("card[number]")
    number = re.sub(r"[ \-]", "", raw_number)
    if livemode and number in TEST_CARDS:
        raise card_error("test_card_on_livemode", ERROR_MESSAGES["test_card_on_livemode"], "card[number]")
    if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_valid(number):
        # invalid_number is deprecated; PAY.JP answers incorrect_card_data since 2020-12-10.
        raise card_error("incorrect_card_data", ERROR_MESSAGES["incorrect_card_data"], "card[number]")
    month, year = _parse_expiry(_opt_str(card.get("exp_month")), _opt_str(card.get("exp_year")), now)
    cvc = _opt_str(card.get("cvc"))
    if cvc is not None and not re.fullmatch(r"\d{3,4}", cvc):
        raise card_error("invalid_cvc", ERROR_MESSAGES["invalid_cvc"], "card[cvc]")
    name = _opt_str(card.get("name"))
    if name:
        validate_card_name(name, cvc)
    brand = detect_brand(number)
    if brand is None:
        raise card_error("unacceptable_brand", ERROR_MESSAGES["unacceptable_brand"], "card[number]")
    token_error = TOKEN_TIME_ERRORS.get(number)
    if token_error is not None:
        raise card_error(token_error, ERROR_MESSAGES[token_error], "card[number]")
    zip_given = bool(_opt_str(card.get("address_zip")))
    profile = CardProfile(
        brand=brand,
        last4=number[-4:],
        fingerprint=fingerprint(number),
        charge_error=CHARGE_TIME_ERRORS.get(number),
        decline_above=DECLINE_ABOVE.get(number),
        cvc_check=CVC_CHECK.get(number, "passed" if cvc else "unchecked"),
        address_zip_check=ADDRESS_ZIP_CHECK.get(number, "passed" if zip_given else "unchecked"),
        max_hold_days=SHORT_HOLD_DAYS.get(number),
    )
    return ValidatedCard(profile=profile, exp_month=month, exp_year=year)


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) and value != "" else None


__all__ = [
    "ApiError",
    "CardProfile",
    "ValidatedCard",
    "detect_brand",
    "fingerprint",
    "luhn_valid",
    "validate_card",
    "validate_card_name",
]
