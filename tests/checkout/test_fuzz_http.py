"""Every checkout endpoint fuzzed over HTTP (hypothesis): random and forged tokens, huge and
malformed bodies, wrong methods and content types, header injection, missing or wrong CSRF.

Whatever comes in: no 5xx, no state change of the real link, no other patient's data in the
answer, the security headers on every HTML answer, and no header of ours carrying what the
request smuggled in. Examples are bounded (the suite's time stays small).
"""

from __future__ import annotations

import os
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from starlette.testclient import TestClient

from desktop.domain.billing import BillingState
from desktop.services.context import AppContext
from desktop.storage.orm import PaymentAttempt
from tests.checkout.helpers import Link, link_from_outbox
from tests.checkout.test_pay_page import csrf_of, state_of
from tests.integration.seed import Front

# CLINICPAY_FUZZ_EXAMPLES raises the count for a long run (the README's figures); CI keeps 150.
RUNS = settings(max_examples=int(os.environ.get("CLINICPAY_FUZZ_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ENDPOINTS = ("/pay/{t}", "/pay/{t}/thanks", "/pay/{t}/3ds-return", "/pay/{t}/three-d-secure", "/pay/{t}/receipt",
             "/pay/{t}/receipt.pdf", "/webhooks/payjp", "/clinic/tokushoho", "/clinic/privacy", "/healthz",
             "/static/checkout.js", "/", "/pay/", "/pay/{t}/../../etc/passwd")
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
INJECTIONS = ("\r\nSet-Cookie: pwned=1", "%0d%0aSet-Cookie:%20pwned=1", "\x00", "<script>alert(1)</script>",
              "' OR 1=1 --", "../../", "\u202e", "A" * 5000)
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


@pytest.fixture
def other_patient(ctx: AppContext, front: Front) -> Link:
    """A second patient's link: nothing of theirs may show up in answers about anyone else."""
    patient = ctx.directory.add_patient(front.staff, front.clinic_id, family_name="鈴木", given_name="一郎",
                                        email="ichiro@example.jp", phone="080-9999-0000")
    reservation = ctx.directory.create_reservation(front.staff, front.clinic_id, patient_id=patient, menu_id=front.menu_id,
                                                   starts_at=ctx.clock())
    outcome = ctx.billing.request_payment(reservation, front.staff, 3300, "taxable")
    return Link(outcome.request_id, link_from_outbox(ctx, outcome.request_id))


def _token(kind: str, real: str, data: st.DataObject) -> str:
    if kind == "real":
        return real
    if kind == "forged":
        i = data.draw(st.integers(0, len(real) - 1))
        return real[:i] + ("B" if real[i] != "B" else "C") + real[i + 1:]
    if kind == "shape":
        return data.draw(st.from_regex(r"[A-Za-z0-9_-]{40,64}", fullmatch=True))
    if kind == "injection":
        return data.draw(st.sampled_from(INJECTIONS))
    return data.draw(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=100))


@RUNS
@given(data=st.data())
def test_fuzzed_requests_change_nothing_and_leak_nothing(client: TestClient, ctx: AppContext, link: Link,
                                                        other_patient: Link, data: st.DataObject) -> None:
    method = data.draw(st.sampled_from(METHODS))
    endpoint = data.draw(st.sampled_from(ENDPOINTS))
    token = _token(data.draw(st.sampled_from(["real", "forged", "shape", "injection", "random"])), link.token, data)
    path = endpoint.replace("{t}", token)
    query = data.draw(st.sampled_from(["", "?lang=en", "?lang=%0d%0aX:1", "?error=<script>", "?lang=" + "x" * 3000]))
    headers: dict[str, str] = {}
    content_type = data.draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                              "multipart/form-data; boundary=zz", "text/plain", "", "application/xml"]))
    if content_type:
        headers["content-type"] = content_type
    csrf = data.draw(st.sampled_from(["none", "wrong", "real"]))
    if csrf == "wrong":
        headers["x-csrf-token"] = data.draw(st.text(alphabet="0123456789abcdef", max_size=40))
    elif csrf == "real":
        headers["x-csrf-token"] = csrf_of(client.get(link.path).text)
    for name in data.draw(st.lists(st.sampled_from(["origin", "x-forwarded-for", "x-forwarded-proto", "host",
                                                    "accept-language", "referer"]), max_size=3, unique=True)):
        value = data.draw(st.sampled_from([*INJECTIONS[2:], "https://evil.example", "null", "ja", "127.0.0.1"]))
        headers[name] = value.replace("\r", "").replace("\n", "")  # the client refuses raw CR/LF itself
    body = data.draw(st.one_of(
        st.just(b""), st.binary(max_size=2000), st.just(b"{" * 5000), st.just(b" " * 40_000),
        st.builds(lambda t: ('{"card_token": "%s"}' % t).encode(), st.text(max_size=80)),
        st.builds(lambda c: f"csrf={c}&addressee=%E5%B1%B1%E7%94%B0".encode(), st.text(max_size=50)),
        st.just(b'{"id": "evnt_x", "type": "charge.succeeded", "data": {"id": "ch_x"}}'),
    ))
    attempts = _attempts(ctx)
    request = raw_client(client)
    try:
        built = request.build_request(method, path + query, content=body if method not in ("GET", "HEAD") else None,
                                      headers=headers)
    except (httpx.InvalidURL, UnicodeError):  # the client refuses to send it (a non-latin-1 header): no request
        return
    answer = request.send(built, follow_redirects=False)
    assert answer.status_code < 500, (method, path, answer.status_code, answer.text[:300])
    assert state_of(ctx, link.request_id) in (BillingState.REQUESTED, BillingState.PROCESSING)
    assert state_of(ctx, other_patient.request_id) is BillingState.REQUESTED
    text = answer.text
    assert "鈴木" not in text and "ichiro@example.jp" not in text and other_patient.token not in text
    if answer.headers.get("content-type", "").startswith("text/html"):
        for name in SECURITY_HEADERS:
            assert name in answer.headers, (name, path)
    for name, value in answer.headers.items():
        assert "pwned" not in value and "\n" not in value and name.lower() != "x", (name, value)
    assert "set-cookie" not in answer.headers
    if attempts != _attempts(ctx):  # a charge may only start from the real link with its real CSRF token
        assert token == link.token and csrf == "real" and method == "POST"
    _settle(ctx, link)


def raw_client(client: TestClient) -> TestClient:
    """The fixture's app, but a server exception is a 500 answer (which fails the test), as a browser sees it."""
    return TestClient(client.app, base_url=str(client.base_url), raise_server_exceptions=False)


def test_a_non_ascii_csrf_value_is_refused_not_a_server_error(client: TestClient, link: Link) -> None:
    """Found by the fuzzer: ``hmac.compare_digest`` raised on a non-ASCII form value (a 500)."""
    answer = raw_client(client).post(f"{link.path}/3ds-return", data={"csrf": "\x80ü"})
    assert answer.status_code == 403
    json_answer = raw_client(client).post(link.path, headers={"x-csrf-token": ("ü" * 40).encode("latin-1")}, json={})
    assert json_answer.status_code == 403


def _attempts(ctx: AppContext) -> int:
    with ctx.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(PaymentAttempt)) or 0)


def _settle(ctx: AppContext, link: Link) -> None:
    """A fuzzed pay POST may have started a (declined) attempt: the link must be payable again."""
    assert state_of(ctx, link.request_id) is BillingState.REQUESTED, "a junk card token left the link 処理中"
