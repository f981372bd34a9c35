"""Security of the public pages. The CSP test is the SAQ A guard: it fails if the policy loosens."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from desktop.services.checkout.security import RateLimiter, build_csp
from desktop.simulator.testing import RunningSimulator, make_test_token
from tests.checkout.helpers import Link
from tests.checkout.test_pay_page import csrf_of

EXPECTED = {
    "default-src": {"'none'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'none'"},
    "object-src": {"'none'"},
}


def directives(header: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = set(values)
    return out


def check_csp(header: str, payjp_origin: str | None) -> str:
    """Asserts the exact policy; returns the nonce."""
    d = directives(header)
    extra = {payjp_origin} if payjp_origin else set()
    assert set(d) == set(EXPECTED) | {"script-src", "connect-src", "frame-src", "report-uri", "report-to"}
    # violations are reported to our own server only
    assert d.pop("report-uri") == {"/csp-report"} and d.pop("report-to") == {"csp"}
    for name, values in EXPECTED.items():
        assert d[name] == (values | extra if name == "style-src" else values), name
    nonces = [v for v in d["script-src"] if v.startswith("'nonce-")]
    assert len(nonces) == 1 and len(nonces[0]) >= 24
    assert d["script-src"] == {"'self'", nonces[0]} | extra
    assert d["connect-src"] == {"'self'"} | extra
    assert d["frame-src"] == (extra or {"'none'"})
    for bad in ("'unsafe-inline'", "'unsafe-eval'", "*", "https:", "http:", "data:", "'strict-dynamic'"):
        assert bad not in d["script-src"]
    return nonces[0][7:-1]


def check_scripts(html: str, nonce: str, payjp_origin: str | None) -> None:
    """Every script tag is external, carries the nonce, and comes from us or PAY.JP."""
    assert "<script>" not in html and " on" + "click=" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        src = re.search(r'src="([^"]+)"', tag)
        assert src, f"inline script: {tag}"
        assert f'nonce="{nonce}"' in tag
        assert src.group(1).startswith("/static/") or (payjp_origin and src.group(1).startswith(payjp_origin + "/"))


def test_payment_page_csp_allows_only_itself_and_payjp(client: TestClient, link: Link, sim: RunningSimulator) -> None:
    page = client.get(link.path)
    nonce = check_csp(page.headers["content-security-policy"], sim.base_url)
    check_scripts(page.text, nonce, sim.base_url)
    assert nonce != check_csp(client.get(link.path).headers["content-security-policy"], sim.base_url)


def test_other_pages_allow_no_third_party_script(client: TestClient, link: Link) -> None:
    for path in ("/clinic/tokushoho", "/clinic/privacy", "/clinic/terms", "/pay/unknown"):
        page = client.get(path)
        nonce = check_csp(page.headers["content-security-policy"], None)
        check_scripts(page.text, nonce, None)


def test_build_csp_is_pinned() -> None:
    assert build_csp("N", "https://js.pay.jp", "https://api.pay.jp") == (
        "default-src 'none'; script-src 'self' 'nonce-N' https://js.pay.jp; style-src 'self' https://js.pay.jp; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self' https://api.pay.jp; "
        "frame-src https://js.pay.jp https://api.pay.jp; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    )


def test_the_enforced_policy_is_strict_unless_a_test_mode_check_runs(client: TestClient, link: Link) -> None:
    headers = client.get(link.path).headers
    assert "content-security-policy-report-only" not in headers
    assert headers["reporting-endpoints"] == 'csp="/csp-report"'


def test_headers_on_personal_pages(client: TestClient, link: Link) -> None:
    for path in (link.path, "/pay/unknown", link.path + "/receipt"):
        headers = client.get(path).headers
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "server" not in headers or "uvicorn" not in headers["server"]


def test_post_without_or_with_wrong_csrf_is_refused(client: TestClient, link: Link, sim: RunningSimulator) -> None:
    token = make_test_token(sim.base_url, sim.secret_key)
    assert client.post(link.path, json={"card_token": token}).status_code == 403
    assert client.post(link.path, json={"card_token": token}, headers={"X-CSRF-Token": "0" * 40}).status_code == 403
    csrf = csrf_of(client.get(link.path).text)
    cross = client.post(link.path, json={"card_token": token},
                        headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
    assert cross.status_code == 403
    site = client.post(link.path, json={"card_token": token}, headers={"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"})
    assert site.status_code == 403
    assert client.post("/pay/x/receipt", data={"csrf": "nope"}).status_code == 403


def test_request_size_limit(client: TestClient, link: Link) -> None:
    answer = client.post(link.path, content=b"{" + b" " * 20_000 + b"}", headers={"Content-Type": "application/json"})
    assert answer.status_code == 413


def test_rate_limit_per_client_on_link_lookups(client: TestClient, link: Link, limiter: RateLimiter) -> None:
    limiter.limit = 5
    codes = [client.get(f"/pay/{'A' * 43}").status_code for _ in range(5)]
    assert codes == [404] * 5
    blocked = client.get(f"/pay/{'B' * 43}")
    assert blocked.status_code == 429 and "アクセスが集中しています" in blocked.text
    assert client.get(f"/pay/{'C' * 43}/receipt").status_code == 429
    assert client.get("/pay/junk").status_code == 429
    # The patient behind the same address (a clinic's Wi-Fi, a carrier's NAT) still gets in.
    for _ in range(10):
        assert client.get(link.path).status_code == 200


def test_sliding_window() -> None:
    now = [0.0]
    limiter = RateLimiter(limit=2, window=10, clock=lambda: now[0])
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a") and limiter.allow("b")
    now[0] = 10.5
    assert limiter.allow("a")
