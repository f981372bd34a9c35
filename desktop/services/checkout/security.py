"""Security of the public pages: headers with a per-request CSP nonce, CSRF, size and rate limits.

The payment page embeds PAY.JP's card iframe, so under PCI DSS v4.0.1 SAQ A it must not be
open to script attacks: the only scripts allowed are our own files, nonce-carrying tags and
PAY.JP's script origin (``build_csp``). The test suite pins this policy.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import secrets
import threading
import time
from typing import Any, Awaitable, Callable, MutableMapping
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 16 * 1024  # a card token, a CSRF token and a name fit many times over
MAX_WEBHOOK_BYTES = 256 * 1024


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


CSP_REPORT_PATH = "/csp-report"
CSP_REPORT_GROUP = "csp"


def report_directives(path: str = CSP_REPORT_PATH) -> str:
    """``report-uri`` (older browsers) and ``report-to`` (Reporting API) pointing at our own server."""
    return f"report-uri {path}; report-to {CSP_REPORT_GROUP}"


def relaxed_csp(nonce: str) -> str:
    """The enforced policy of a pay page while a テストモード 接続チェック runs: PAY.JP's part opened
    to any https origin, so that an origin payjp.js needs is reported (by the strict policy sent
    report-only next to it) instead of breaking the payment. Never sent with live keys."""
    return "; ".join([
        "default-src 'none'",
        f"script-src 'self' 'nonce-{nonce}' https:",
        "style-src 'self' https:",
        "img-src 'self' data: https:",
        "font-src 'self' https:",
        "connect-src 'self' https:",
        "frame-src https:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ])


def build_csp(nonce: str, payjp_script_origin: str = "", payjp_api_origin: str = "") -> str:
    """The Content-Security-Policy of every page; PAY.JP's origins only on pages that load its script.

    The middleware appends ``report_directives()`` so that browsers report violations to us.
    """
    script = ["'self'", f"'nonce-{nonce}'"]
    frame = ["'none'"]
    connect = ["'self'"]
    style = ["'self'"]
    if payjp_script_origin:
        script.append(payjp_script_origin)
        style.append(payjp_script_origin)
        frame = [payjp_script_origin]
        if payjp_api_origin and payjp_api_origin != payjp_script_origin:
            frame.append(payjp_api_origin)
    if payjp_api_origin:
        connect.append(payjp_api_origin)
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(script),
        "style-src " + " ".join(style),
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src " + " ".join(connect),
        "frame-src " + " ".join(frame),
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ])


class SecurityHeadersMiddleware:
    """Adds the security headers to every response and limits request bodies.

    Handlers may set ``request.state.payjp_origins = (script_origin, api_origin)`` to allow
    PAY.JP on that one response; ``request.state.csp_nonce`` is the nonce for script tags.
    """

    def __init__(self, app: ASGIApp, *, max_body: int = MAX_BODY_BYTES,
                 large_body_paths: tuple[str, ...] = ("/webhooks/",), large_body: int = MAX_WEBHOOK_BYTES) -> None:
        self.app = app
        self.max_body = max_body
        self.large_body_paths = large_body_paths
        self.large_body = large_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        nonce = secrets.token_urlsafe(16)
        state["csp_nonce"] = nonce
        path: str = scope.get("path", "")
        limit = self.large_body if path.startswith(self.large_body_paths) else self.max_body
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _plain(send, 413, b"Request too large")
            return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise BodyTooLarge()
            return message

        static = path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                origins = state.get("payjp_origins") or ("", "")
                headers = list(message.get("headers", []))
                strict = build_csp(nonce, *origins) + "; " + report_directives()
                if state.get("csp_report_only_payjp"):
                    headers += [
                        (b"content-security-policy", (relaxed_csp(nonce) + "; " + report_directives()).encode()),
                        (b"content-security-policy-report-only", strict.encode()),
                    ]
                else:
                    headers.append((b"content-security-policy", strict.encode()))
                headers += [
                    (b"reporting-endpoints", f'{CSP_REPORT_GROUP}="{CSP_REPORT_PATH}"'.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin-allow-popups"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
                ]
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"public, max-age=3600" if static else b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if too_large:
                await _plain(send, 413, b"Request too large")


class BodyTooLarge(Exception):
    pass


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]})
    await send({"type": "http.response.body", "body": body})


class CsrfSigner:
    """Stateless CSRF tokens: an HMAC of the purpose and the link they belong to.

    A page can only be posted back with the token printed in it, and a forged cross-site
    POST is also refused by the Origin / Sec-Fetch-Site check (``same_origin``).
    """

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def token(self, purpose: str, subject: str) -> str:
        mac = hmac.new(self._key, f"{purpose}\x00{subject}".encode(), hashlib.sha256)
        return mac.hexdigest()[:40]

    def verify(self, purpose: str, subject: str, candidate: str | None) -> bool:
        if not candidate:
            return False
        # As bytes: compare_digest refuses str with non-ASCII characters (a forged form's value).
        return hmac.compare_digest(self.token(purpose, subject).encode(), str(candidate).encode("utf-8", "replace"))


def same_origin(headers: Any) -> bool:
    """False for a browser request that says it comes from another site.

    Only the host is compared: behind a TLS-terminating proxy the scheme we see differs.
    ``Origin: null`` is what browsers send for a same-origin form POST under
    ``Referrer-Policy: no-referrer``; the CSRF token still has to match.
    """
    if headers.get("sec-fetch-site", "") in ("cross-site", "same-site"):
        return False
    origin = headers.get("origin")
    if origin is None or origin == "null":
        return True
    return bool(urlsplit(origin).netloc == headers.get("host", ""))


class RateLimiter:
    """Sliding window per key (client IP): at most ``limit`` hits in ``window`` seconds."""

    def __init__(self, limit: int = 60, window: float = 60.0, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def allow(self, key: str) -> bool:
        """Count a hit for ``key``; False (nothing counted) when it is over the limit."""
        now = self._clock()
        with self._lock:
            hits = self._window(key, now)
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def blocked(self, key: str) -> bool:
        """Whether ``key`` is over the limit now (nothing counted)."""
        now = self._clock()
        with self._lock:
            return len(self._window(key, now)) >= self.limit

    def _window(self, key: str, now: float) -> collections.deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self._max_keys:
                self._prune(now)
            hits = self._hits[key] = collections.deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]
        if len(self._hits) >= self._max_keys:  # still full: forget the oldest half
            for key in list(self._hits)[: self._max_keys // 2]:
                del self._hits[key]
