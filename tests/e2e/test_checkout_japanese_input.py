"""The checkout page reads what a Japanese phone types: an IME phone number reaches PAY.JP in
E.164; an error code the page does not know gets our own message, never PAY.JP's text."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from tests.e2e.conftest import Stack
from tests.e2e.flows import THANKS, fill_card, pay_with_3ds
from tests.e2e.test_checkout_browser import attempts


def test_a_phone_typed_with_a_japanese_ime_is_accepted_and_sent_in_e164(stack: Stack, page: Any) -> None:
    """The issue's example: ０９０－１２３４－５６７８ was refused (「電話番号は数字とハイフンで入力してください。」)."""
    sent: list[dict[str, list[str]]] = []

    def record(route: Any) -> None:
        sent.append(parse_qs(route.request.post_data or ""))
        route.continue_()

    page.context.route("**/v1/tokens", record)
    _request_id, url = stack.mailed_link()
    page.goto(url)
    fill_card(page, name="ｈａｎａｋｏ　ｙａｍａｄａ")  # full-width letters from the IME
    page.get_by_label("メールアドレス").fill("")
    page.get_by_label("電話番号").fill("０９０－１２３４－５６７８")
    pay_with_3ds(page)
    page.wait_for_url(THANKS)
    assert sent and sent[0]["card[phone]"] == ["+819012345678"]
    assert sent[0]["card[name]"] == ["HANAKO YAMADA"]
    assert "card[email]" not in sent[0]


def test_a_wrong_phone_is_refused_next_to_the_field(stack: Stack, page: Any) -> None:
    request_id, url = stack.mailed_link()
    page.goto(url)
    fill_card(page)
    page.get_by_label("電話番号").fill("０９０－ｘｘｘ")
    page.get_by_role("button", name="支払う ¥1,200").click()
    page.locator("#card-phone-error").get_by_text("電話番号は数字とハイフンで入力してください。").wait_for()
    assert attempts(stack, request_id) == 0


def test_an_unknown_payjp_error_code_gets_our_message(stack: Stack, page: Any) -> None:
    def refuse(route: Any) -> None:
        body = {"error": {"code": "brand_new_code", "message": "Internal: issuer said no (do not show)",
                          "status": 402, "type": "card_error"}}
        route.fulfill(status=402, content_type="application/json", body=json.dumps(body))

    page.context.route("**/v1/tokens", refuse)
    request_id, url = stack.mailed_link()
    page.goto(url)
    fill_card(page)
    page.get_by_role("button", name="支払う ¥1,200").click()
    error = page.locator("#form-error")
    error.get_by_text("カード情報を正しく入力してください。").wait_for()
    assert "Internal" not in error.inner_text()
    assert attempts(stack, request_id) == 0
