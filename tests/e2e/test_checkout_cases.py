"""Declines, double submits, second tabs and every link state, in the browser."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import update

from desktop.domain.billing import BillingState
from desktop.storage.orm import BillingRequest
from tests.e2e.conftest import Stack, screenshot
from tests.e2e.flows import THANKS, answer_3ds, axe_violations, fill_card, pay_with_3ds, watch_popups
from tests.e2e.test_checkout_browser import attempts, charges_for, request_state

DECLINED_JA = "カードが利用できませんでした。別のカードをお試しいただくか、カード会社へお問い合わせください。"


def test_declined_card_shows_reason_and_patient_retries(stack: Stack, page: Any) -> None:
    request_id, url = stack.mailed_link()
    page.goto(url)
    fill_card(page, number="4000000000080319")  # token works, the charge is declined after 3-D Secure
    pay_with_3ds(page)
    page.wait_for_url("**/pay/*?error=card_declined&lang=ja")  # back on the form, by way of our return page
    error = page.locator("#form-error")
    error.get_by_text(DECLINED_JA).wait_for()
    button = page.get_by_role("button", name="支払う ¥1,200")
    assert button.is_enabled()
    wait_for_card_fields(page)  # a fresh form to try again
    assert axe_violations(page) == []
    screenshot(page, "declined")
    fill_card(page, number="4000000000000002")  # refused when the token is made
    button.click()
    error.get_by_text(DECLINED_JA).wait_for()
    assert button.is_enabled()
    fill_card(page, number="5555555555554444")
    pay_with_3ds(page)
    page.wait_for_url(THANKS)
    assert request_state(stack, request_id) is BillingState.PAID


def wait_for_card_fields(page: Any) -> None:
    """PAY.JP's card fields have loaded (the page was scrolled to its error message)."""
    for field in ("#card-number", "#card-expiry", "#card-cvc"):
        page.frame_locator(f"{field} iframe").get_by_placeholder(re.compile(".")).wait_for()
    page.evaluate("() => window.scrollTo(0, 0)")  # full-page screenshots paint the frames from the top
    page.wait_for_timeout(200)


def test_name_and_contact_are_checked_before_submit(stack: Stack, page: Any) -> None:
    request_id, url = stack.mailed_link()
    page.goto(url)
    fill_card(page, name="山田 花子")
    page.get_by_label("メールアドレス").fill("")
    page.get_by_role("button", name="支払う ¥1,200").click()
    page.locator("#card-name-error").get_by_text("半角英字").wait_for()
    page.locator("#contact-error").get_by_text("メールアドレスか電話番号を入力してください。").wait_for()
    assert page.get_by_label("名前（カード名義）").get_attribute("aria-invalid") == "true"
    page.get_by_label("名前（カード名義）").fill("TARO 4242")
    page.get_by_role("button", name="支払う ¥1,200").click()
    page.locator("#card-name-error").get_by_text("数字").wait_for()
    screenshot(page, "validation")
    assert attempts(stack, request_id) == 0


def test_double_click_gives_one_charge(stack: Stack, page: Any) -> None:
    request_id, url = stack.mailed_link()
    page.goto(url)
    fill_card(page)
    page.get_by_role("button", name="支払う ¥1,200").dblclick()
    answer_3ds(page)
    page.wait_for_url(THANKS)
    assert attempts(stack, request_id) == 1 and charges_for(stack, request_id) == 1


def test_two_tabs_give_one_charge(stack: Stack, context: Any) -> None:
    request_id, url = stack.mailed_link()
    first, second = context.new_page(), context.new_page()
    first.goto(url)
    second.goto(url)
    fill_card(first)
    fill_card(second, number="5555555555554444")
    first.get_by_role("button", name="支払う ¥1,200").click()
    first.get_by_role("button", name="認証する (Authenticate)").wait_for()  # on PAY.JP's page
    second.get_by_role("button", name="支払う ¥1,200").click()  # while the first waits for 3-D Secure
    second.get_by_role("heading", name="お支払いを確認しています").wait_for()
    assert second.get_by_role("button", name="本人認証を続ける").is_visible()
    assert axe_violations(second) == []
    screenshot(second, "processing")
    answer_3ds(first)
    first.wait_for_url(THANKS)
    second.reload()
    second.get_by_role("heading", name="お支払い済みです").wait_for()
    assert attempts(stack, request_id) == 1 and charges_for(stack, request_id) == 1


def test_failed_three_d_secure_returns_to_the_form_and_patient_retries(stack: Stack, page: Any) -> None:
    request_id, url = stack.mailed_link()
    page.goto(url)
    fill_card(page)
    pay_with_3ds(page, authenticate=False)
    page.wait_for_url("**/pay/*?error=three_d_secure_failed&lang=ja")
    page.locator("#form-error").get_by_text("本人認証（3Dセキュア）に失敗しました。").wait_for()
    assert request_state(stack, request_id) is BillingState.REQUESTED
    assert page.get_by_role("button", name="支払う ¥1,200").is_enabled()
    wait_for_card_fields(page)
    assert axe_violations(page) == []
    screenshot(page, "tds-failed")
    fill_card(page)
    pay_with_3ds(page)
    page.wait_for_url(THANKS)
    # the failed charge (never paid) and the one that went through
    assert request_state(stack, request_id) is BillingState.PAID and charges_for(stack, request_id) == 2


def test_leaving_payjp_page_by_back_button_lets_the_patient_continue(stack: Stack, page: Any) -> None:
    request_id, url = stack.mailed_link()
    page.goto(url)
    fill_card(page)
    page.get_by_role("button", name="支払う ¥1,200").click()
    page.get_by_role("button", name="認証する (Authenticate)").wait_for()
    page.go_back()  # left PAY.JP's page without answering
    page.get_by_role("heading", name="お支払いを確認しています").wait_for()
    assert request_state(stack, request_id) is BillingState.PROCESSING
    page.get_by_role("button", name="本人認証を続ける").click()
    answer_3ds(page)
    page.wait_for_url(THANKS)
    assert request_state(stack, request_id) is BillingState.PAID and charges_for(stack, request_id) == 1


def test_processing_page_continues_three_d_secure(stack: Stack, page: Any) -> None:
    request_id, url = stack.mailed_link()
    page.goto(url)
    fill_card(page)
    page.get_by_role("button", name="支払う ¥1,200").click()
    page.get_by_role("button", name="認証する (Authenticate)").wait_for()
    page.goto(url)  # the patient opened the mailed link again during 3-D Secure
    page.get_by_role("heading", name="お支払いを確認しています").wait_for()
    popups = watch_popups(page)
    page.get_by_role("button", name="本人認証を続ける").click()
    answer_3ds(page)
    page.wait_for_url(THANKS)
    assert not popups
    assert request_state(stack, request_id) is BillingState.PAID and charges_for(stack, request_id) == 1


def test_return_page_without_script(stack: Stack, page: Any) -> None:
    """Back from PAY.JP without our script: opening the return page changes nothing; its button pays."""
    request_id, url = stack.mailed_link()
    page.goto(url)
    fill_card(page)
    returns: list[str] = []

    def hold(route: Any) -> None:  # PAY.JP's redirect back to us: keep it for later
        returns.append(route.request.url)
        route.fulfill(status=204)

    def no_script(route: Any) -> None:
        route.abort()

    page.route(re.compile(r"/3ds-return\?lang=ja$"), hold)
    pay_with_3ds(page)
    for _ in range(100):
        if returns:
            break
        page.wait_for_timeout(50)
    assert len(returns) == 1 and request_state(stack, request_id) is BillingState.PROCESSING
    page.unroute(re.compile(r"/3ds-return\?lang=ja$"), hold)
    page.route("**/static/checkout.js", no_script)
    page.goto(returns[0])
    page.get_by_role("heading", name="お支払いを完了しています").wait_for()
    page.wait_for_timeout(300)
    assert request_state(stack, request_id) is BillingState.PROCESSING  # opening it changed nothing
    assert axe_violations(page) == []
    screenshot(page, "tds-return")
    page.get_by_role("button", name="お支払いを完了する").click()
    page.wait_for_url(THANKS)
    page.get_by_role("heading", name="お支払いありがとうございました").wait_for()
    assert request_state(stack, request_id) is BillingState.PAID and charges_for(stack, request_id) == 1


def _set(stack: Stack, request_id: int, **values: Any) -> None:
    with stack.ctx.db.uow() as uow:
        uow.session.execute(update(BillingRequest).where(BillingRequest.id == request_id).values(**values))
        uow.commit()


def test_expired_cancelled_paid_and_forged_links(stack: Stack, page: Any) -> None:
    cancelled_id, cancelled = stack.mailed_link()
    stack.ctx.billing.cancel_request(cancelled_id, stack.front.staff)
    expired_id, expired = stack.mailed_link()
    _set(stack, expired_id, link_expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
    paid_id, paid = stack.mailed_link()
    _set(stack, paid_id, state=BillingState.PAID, paid_at=dt.datetime.now(dt.timezone.utc), card_last4="4242")
    forged = paid[:-6] + "AAAAAA"
    cases = [(cancelled, "このご請求は取り消されました", "cancelled"), (expired, "お支払いリンクの有効期限が切れています", "expired"),
             (paid, "お支払い済みです", "paid"), (forged, "ページが見つかりません", "not-found")]
    for url, heading, name in cases:
        response = page.goto(url)
        assert response is not None and response.status == (404 if name == "not-found" else 200)
        page.get_by_role("heading", name=heading).wait_for()
        assert page.locator("#pay-form").count() == 0
        if name != "not-found":
            assert page.get_by_text("03-1234-5678").first.is_visible()
        assert axe_violations(page) == []
        screenshot(page, name)


def test_csp_blocks_injected_inline_script(stack: Stack, page: Any) -> None:
    _request_id, url = stack.mailed_link()
    page.goto(url)
    violations = page.evaluate("""() => new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective));
        const s = document.createElement('script');
        s.textContent = 'window.__injected = true';
        document.body.appendChild(s);
        setTimeout(() => resolve('none'), 2000);
    })""")
    assert violations.startswith("script-src")
    assert page.evaluate("() => window.__injected === undefined")


def test_english_page_and_legal_pages(stack: Stack, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    try:
        page = context.new_page()
        _request_id, url = stack.mailed_link()
        page.goto(url)
        page.get_by_role("button", name="Pay ¥1,200").wait_for()
        assert axe_violations(page) == []
        screenshot(page, "pay-en")
        for path, heading, name in (("/clinic/tokushoho", "Legal notice", "tokushoho"),
                                    ("/clinic/privacy", "Privacy policy", "privacy"),
                                    ("/clinic/terms", "Terms of use", "terms")):
            page.goto(stack.base_url + path + "?lang=ja")
            page.locator("h1").wait_for()
            assert axe_violations(page) == []
            screenshot(page, name)
            page.goto(stack.base_url + path)
            assert heading in page.locator("h1").inner_text()
    finally:
        context.close()
