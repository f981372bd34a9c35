"""Charge 3-D Secure by PAY.JP's redirect workflow: start URL, signed back_url, the return page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select
from starlette.testclient import TestClient

from desktop.domain.billing import BillingState
from desktop.services.checkout.three_d_secure import TdsRedirect, sign_back_url
from desktop.services.context import AppContext
from desktop.services.payment_setup import DEMO_PUBLIC_KEY, DEMO_SECRET_KEY
from desktop.simulator.testing import RunningSimulator, make_test_token
from desktop.storage.orm import PaymentAttempt
from tests.checkout.helpers import Link
from tests.checkout.test_pay_page import csrf_of, finish_return, state_of, through_payjp
from tests.checkout.test_security import check_csp, check_scripts


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def decode_jws(jws: str, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact HS256 JWS, after checking its signature with ``key``."""
    header, payload, signature = jws.split(".")
    assert "=" not in jws  # base64url without padding
    expected = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(_b64(signature), expected)
    return json.loads(_b64(header)), json.loads(_b64(payload))


def start_payment(client: TestClient, sim: RunningSimulator, link: Link, **headers: str) -> dict[str, Any]:
    csrf = csrf_of(client.get(link.path).text)
    token = make_test_token(sim.base_url, sim.secret_key, name="HANAKO YAMADA")
    answer = client.post(link.path + "?lang=ja", json={"card_token": token}, headers={"X-CSRF-Token": csrf, **headers})
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    assert body["result"] == "three_d_secure"
    return body


def test_sign_back_url_is_a_compact_hs256_jws() -> None:
    key = "sk_test_0123456789abcdef01234567"  # PAY.JP keys: prefix and 24 characters
    jws = sign_back_url("https://clinic.example/pay/abc/3ds-return", key)
    header, payload = decode_jws(jws, key)
    assert header == {"alg": "HS256", "typ": "JWT"} and payload == {"url": "https://clinic.example/pay/abc/3ds-return"}
    assert "sk_test_x" not in repr(TdsRedirect("https://api.pay.jp", "pk_test_y", "https://c.example", "sk_test_x"))


def test_start_url_is_payjp_redirect_with_signed_back_url(client: TestClient, ctx: AppContext,
                                                           sim: RunningSimulator, link: Link) -> None:
    answer = start_payment(client, sim, link)
    url = urlsplit(answer["redirect"])
    assert f"{url.scheme}://{url.netloc}" == sim.base_url  # デモ: the simulator; test/live: https://api.pay.jp
    assert url.path == f"/v1/tds/{answer['charge_id']}/start"
    query = parse_qs(url.query)
    assert set(query) == {"publickey", "back_url"} and query["publickey"] == [DEMO_PUBLIC_KEY]
    header, payload = decode_jws(query["back_url"][0], DEMO_SECRET_KEY)
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert payload == {"url": f"http://127.0.0.1:8470{link.path}/3ds-return?lang=ja"}  # the clinic's public base
    assert DEMO_SECRET_KEY not in json.dumps(answer)
    assert state_of(ctx, link.request_id) is BillingState.PROCESSING


def test_return_page_changes_nothing_until_its_form_is_posted(client: TestClient, ctx: AppContext,
                                                               sim: RunningSimulator, link: Link) -> None:
    back_url = through_payjp(start_payment(client, sim, link)["redirect"])
    for _ in range(3):  # a reload, a scanner, a prefetch: no tds_finish
        page = client.get(back_url)
        assert page.status_code == 200 and "お支払いを完了しています" in page.text
        assert state_of(ctx, link.request_id) is BillingState.PROCESSING
    nonce = check_csp(page.headers["content-security-policy"], None)
    check_scripts(page.text, nonce, None)
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    action = f"{link.path}/3ds-return?lang=ja"
    assert client.post(action, data={}).status_code == 403
    assert client.post(action, data={"csrf": "0" * 40}).status_code == 403
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert csrf
    cross = client.post(action, data={"csrf": csrf.group(1)}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and state_of(ctx, link.request_id) is BillingState.PROCESSING
    done = client.post(action, data={"csrf": csrf.group(1)}, headers={"Origin": "null"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{link.path}/thanks?lang=ja"
    assert state_of(ctx, link.request_id) is BillingState.PAID
    # Back to the return page afterwards (history, a second POST): thanks, nothing charged again.
    again = client.get(back_url, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith(f"{link.path}/thanks")
    repeat = client.post(action, data={"csrf": csrf.group(1)}, follow_redirects=False)
    assert repeat.status_code == 303 and repeat.headers["location"].startswith(f"{link.path}/thanks")
    with ctx.db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(PaymentAttempt)) == 1


def test_failed_three_d_secure_returns_to_the_form_with_the_reason(client: TestClient, ctx: AppContext,
                                                                  sim: RunningSimulator, link: Link) -> None:
    back_url = through_payjp(start_payment(client, sim, link)["redirect"], authenticate=False)
    done = finish_return(client, back_url)
    assert done.status_code == 303
    assert done.headers["location"] == f"{link.path}?error=three_d_secure_failed&lang=ja"
    page = client.get(done.headers["location"])
    assert 'id="pay-form"' in page.text and state_of(ctx, link.request_id) is BillingState.REQUESTED
    assert re.search(r'id="form-error"[^>]*>本人認証（3Dセキュア）に失敗しました。', page.text)
    english = client.get(f"{link.path}?error=three_d_secure_failed&lang=en").text
    assert "3-D Secure authentication failed." in english
    # The code picks one of our messages; nothing from the URL is printed.
    forged = client.get(f"{link.path}?error=%3Cscript%3E").text
    assert re.search(r'id="form-error"[^>]*></p>', forged) and "script%3E" not in forged
    assert client.get(back_url, follow_redirects=False).headers["location"] == f"{link.path}?lang=ja"


def test_return_for_unknown_or_unpaid_links(client: TestClient, link: Link) -> None:
    assert client.get(f"/pay/{'A' * 43}/3ds-return").status_code == 404
    waiting = client.get(link.path + "/3ds-return", follow_redirects=False)  # nothing started
    assert waiting.status_code == 303 and waiting.headers["location"].startswith(link.path + "?")


def test_processing_page_continues_by_redirect_without_payjp_script(client: TestClient, ctx: AppContext,
                                                                     sim: RunningSimulator, link: Link) -> None:
    answer = start_payment(client, sim, link)
    page = client.get(link.path)
    assert "お支払いを確認しています" in page.text and "本人認証を続ける" in page.text
    nonce = check_csp(page.headers["content-security-policy"], None)  # no PAY.JP script on this page
    check_scripts(page.text, nonce, None)
    url = re.search(r'data-url="([^"]+)"', page.text)
    assert url
    start = urlsplit(url.group(1).replace("&amp;", "&"))
    assert start.path == f"/v1/tds/{answer['charge_id']}/start" and DEMO_SECRET_KEY not in page.text
    assert f'href="{url.group(1)}"' in page.text  # the same link without script (noscript)
    done = finish_return(client, through_payjp(url.group(1).replace("&amp;", "&")))
    assert done.headers["location"].startswith(f"{link.path}/thanks")
    assert state_of(ctx, link.request_id) is BillingState.PAID


def test_json_finish_still_answers_a_page_loaded_before_the_redirect(client: TestClient, ctx: AppContext,
                                                                     sim: RunningSimulator, link: Link) -> None:
    """A page from before the redirect workflow finishes through the JSON endpoint after PAY.JP's dialog."""
    csrf = csrf_of(client.get(link.path).text)
    answer = start_payment(client, sim, link)
    sim.complete_3ds(answer["charge_id"])
    done = client.post(link.path + "/three-d-secure", headers={"X-CSRF-Token": csrf})
    assert done.json() == {"result": "paid", "redirect": f"{link.path}/thanks"}
    assert state_of(ctx, link.request_id) is BillingState.PAID
