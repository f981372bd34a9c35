"""Charge 3-D Secure by redirect: the patient's browser goes to PAY.JP and comes back to us.

PAY.JP's redirect workflow (pay.jp/docs/charge-tds, リダイレクト型) is a top-level
navigation to ``{api_base}/v1/tds/{charge_id}/start?publickey=pk_…&back_url=<JWS>``. The
JWS is compact, HS256, signed with the PAY.JP secret key, and its payload is
``{"url": "<where PAY.JP sends the cardholder back>"}``; PAY.JP checks the signature, so
only we can choose the return address. The secret key never leaves this module: pages get
the finished URL only. Unlike the sub-window (``payjp.openThreeDSecureDialog``) it needs
no pop-up, which phones block once the tap's user activation has expired.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import quote, urlencode

import jwt

_CHARGE_ID = re.compile(r"^ch_[0-9A-Za-z]{1,64}$")


def sign_back_url(url: str, secret_key: str) -> str:
    """The ``back_url`` parameter: a compact JWS (HS256, PyJWT) of ``{"url": url}``."""
    return jwt.encode({"url": url}, secret_key, algorithm="HS256")


def return_path(link_token: str) -> str:
    return f"/pay/{link_token}/3ds-return"


@dataclasses.dataclass(frozen=True)
class TdsRedirect:
    """What it takes to send a clinic's patient to PAY.JP's 3-D Secure page and back."""

    api_base: str
    public_key: str
    public_base_url: str  # where patients reach this app (the links in the mails)
    secret_key: str = dataclasses.field(repr=False)

    def start_url(self, charge_id: str, link_token: str, lang: str = "ja") -> str:
        """PAY.JP's start URL for this charge, returning to ``/pay/{token}/3ds-return``."""
        if not _CHARGE_ID.match(charge_id):
            raise ValueError("not a charge id")
        back = self.public_base_url.rstrip("/") + return_path(link_token) + "?lang=" + ("en" if lang == "en" else "ja")
        query = urlencode({"publickey": self.public_key, "back_url": sign_back_url(back, self.secret_key)})
        return f"{self.api_base.rstrip('/')}/v1/tds/{quote(charge_id, safe='')}/start?{query}"
