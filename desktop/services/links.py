"""Personal payment links: 256 random bits in the URL, only a SHA-256 of them stored."""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32  # 256 bits; ASVS asks at least 128 for reference tokens
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{40,64}")
MIN_EXPIRY_DAYS = 1
MAX_EXPIRY_DAYS = 30
DEFAULT_EXPIRY_DAYS = 7


def new_link_token() -> tuple[str, str]:
    """(raw token for the e-mail, hash for the database)."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return raw, hash_link_token(raw)


def hash_link_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii", "replace")).hexdigest()


def looks_like_token(raw: str) -> bool:
    """Cheap shape check before any database look-up (forged links fail fast, same answer)."""
    return bool(_TOKEN_SHAPE.fullmatch(raw))


def payment_url(public_base_url: str, raw: str) -> str:
    return f"{public_base_url.rstrip('/')}/pay/{raw}"


def receipt_url(public_base_url: str, raw: str) -> str:
    """The 領収書 page of a paid link (served by the checkout app)."""
    return f"{payment_url(public_base_url, raw)}/receipt"
