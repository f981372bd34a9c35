"""What browsers load: pay.js stand-in, card iframe, 3-D Secure pages, CORS for tokens."""

from __future__ import annotations

import base64
import json
import re

import httpx
import jwt
import payjp
import pytest

from desktop.simulator.testing import TEST_SECRET_KEY, RunningSimulator

from .helpers import charge


def _jws(url: str, key: str = TEST_SECRET_KEY) -> str:
    """``back_url`` as the app makes it: HS256 over ``{"url": url}`` with the account's secret key."""
    return jwt.encode({"url": url}, key, algorithm="HS256")


def _unsigned_jws(url: str) -> str:
    """An ``alg: none`` token: a payload anyone can write, with no signature."""
    def part(data: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'url': url})}."


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("pay.js", "application/javascript"),
        ("card-frame.js", "application/javascript"),
        ("tds-result.js", "application/javascript"),
        ("card-frame.html", "text/html"),
        ("sim.css", "text/css"),
    ],
)
def test_static_files_are_served_with_their_type(sim: RunningSimulator, name: str, content_type: str) -> None:
    response = httpx.get(f"{sim.base_url}/payjs/v2/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)


def test_pay_js_exposes_the_v2_api(sim: RunningSimulator) -> None:
    source = httpx.get(f"{sim.base_url}/payjs/v2/pay.js").text
    for name in ("window.Payjp", "elements", "createToken", "openThreeDSecureDialog", "openThreeDSecureIframe",
                 "retrieveAvailability", "mount", "unmount", "cardNumber", "cardExpiry", "cardCvc"):  # fmt: skip
        assert name in source
    assert "eval(" not in source and "innerHTML" not in source


def test_unknown_static_file_is_404(sim: RunningSimulator) -> None:
    assert httpx.get(f"{sim.base_url}/payjs/v2/../store.py").status_code == 404
    assert httpx.get(f"{sim.base_url}/payjs/v2/nothing.js").status_code == 404


def test_card_frame_runs_only_its_own_script(sim: RunningSimulator) -> None:
    response = httpx.get(f"{sim.base_url}/payjs/v2/card-frame.html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.text) == []


def test_public_key_creates_tokens_with_cors(sim: RunningSimulator) -> None:
    preflight = httpx.options(f"{sim.base_url}/v1/tokens", headers={"Origin": "https://clinic.example"})
    assert preflight.status_code == 204
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    response = httpx.post(
        f"{sim.base_url}/v1/tokens",
        auth=(sim.public_key, ""),
        data={"card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2040"},
        headers={"Origin": "https://clinic.example"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json()["object"] == "token"


def test_public_key_cannot_use_secret_endpoints(sim: RunningSimulator) -> None:
    response = httpx.get(f"{sim.base_url}/v1/charges", auth=(sim.public_key, ""))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_redirect_flow_returns_to_back_url(sim: RunningSimulator) -> None:
    pending = charge(sim, 5000, three_d_secure=True)
    back = "https://clinic.example/pay/return?visit=1"
    start = httpx.get(
        f"{sim.base_url}/v1/tds/{pending.id}/start", params={"publickey": sim.public_key, "back_url": _jws(back)}
    )
    assert start.status_code == 200
    assert "認証する" in start.text and "認証しない" in start.text and "シミュレーター" in start.text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", start.text) == []
    action = re.search(r'action="([^"]+)"', start.text)
    assert action is not None
    hidden = dict(re.findall(r'name="(\w+)" value="([^"]*)"', start.text))
    answer = httpx.post(sim.base_url + action.group(1), data={**hidden, "result": "verified"})
    assert answer.status_code == 303
    assert answer.headers["location"] == back
    pending.tds_finish()
    assert pending.paid is True


def test_redirect_flow_needs_a_jws_back_url(sim: RunningSimulator) -> None:
    pending = charge(sim, 5000, three_d_secure=True)
    response = httpx.get(
        f"{sim.base_url}/v1/tds/{pending.id}/start",
        params={"publickey": sim.public_key, "back_url": "https://clinic.example/return"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "back_url",
    [
        _jws("https://evil.example/phish", "sk_test_anotheraccount0000000000"),  # signed with another key
        _unsigned_jws("https://evil.example/phish"),  # alg: none
        _jws("https://clinic.example/return")[:-4] + "AAAA",  # signature altered
    ],
    ids=["other-key", "alg-none", "tampered"],
)
def test_redirect_flow_refuses_a_back_url_not_signed_by_the_account(sim: RunningSimulator, back_url: str) -> None:
    pending = charge(sim, 5000, three_d_secure=True)
    start = httpx.get(
        f"{sim.base_url}/v1/tds/{pending.id}/start", params={"publickey": sim.public_key, "back_url": back_url}
    )
    assert start.status_code == 400
    assert "戻り先 (back_url) が正しくありません" in start.text and "認証する" not in start.text
    # Nor can the answer form be posted with a forged back_url to get redirected.
    forged = httpx.post(
        f"{sim.base_url}/_sim/tds/{pending.id}/answer",
        data={"mode": "redirect", "result": "verified", "back_url": back_url, "publickey": sim.public_key},
    )
    assert forged.status_code == 400 and "location" not in forged.headers
    assert payjp.Charge.retrieve(pending.id, api_key=sim.secret_key).three_d_secure_status == "unverified"


def test_redirect_flow_refuses_the_public_key_of_another_account(sim: RunningSimulator) -> None:
    pending = charge(sim, 5000, three_d_secure=True)
    other_public = "pk_test_anotheraccount0000000000"
    back = "https://clinic.example/return"
    start = httpx.get(
        f"{sim.base_url}/v1/tds/{pending.id}/start",
        params={"publickey": other_public, "back_url": _jws(back, "sk_test_anotheraccount0000000000")},
    )
    assert start.status_code == 400 and "認証する" not in start.text  # that account has no such charge


def test_dialog_flow_page_reports_to_the_opener(sim: RunningSimulator) -> None:
    pending = charge(sim, 5000, three_d_secure=True)
    page = httpx.get(
        f"{sim.base_url}/_sim/tds/{pending.id}/challenge",
        params={"mode": "dialog", "origin": "https://clinic.example", "publickey": sim.public_key},
    )
    assert page.status_code == 200
    done = httpx.post(
        f"{sim.base_url}/_sim/tds/{pending.id}/answer",
        data={"mode": "dialog", "origin": "https://clinic.example", "result": "failed"},
    )
    assert 'data-status="failed"' in done.text and 'src="/payjs/v2/tds-result.js"' in done.text
    assert payjp.Charge.retrieve(pending.id, api_key=sim.secret_key).three_d_secure_status == "failed"


def test_challenge_page_refuses_objects_not_in_a_flow(sim: RunningSimulator) -> None:
    plain = charge(sim, 5000)
    page = httpx.get(
        f"{sim.base_url}/_sim/tds/{plain.id}/challenge",
        params={"mode": "iframe", "origin": "https://clinic.example", "publickey": sim.public_key},
    )
    assert page.status_code == 400
