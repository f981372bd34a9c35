"""On a 360 px wide phone: names and phone numbers never break across lines, the contact appears
once, and the refunded, partly refunded and 3-D Secure timed-out pages name their state."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from desktop.domain.billing import BillingState
from desktop.services.billing import THREE_D_SECURE_TIMEOUT
from desktop.services.directory import ClinicUpdate
from desktop.simulator.testing import make_test_token
from desktop.storage.orm import PaymentAttempt
from tests.e2e.conftest import Stack, screenshot
from tests.e2e.flows import THANKS, axe_violations, fill_card
from tests.e2e.test_checkout_browser import charges_for, request_state
from tests.e2e.test_checkout_cases import wait_for_card_fields

NARROW = {"width": 360, "height": 740}
LONG_NAME = "さくら内科クリニック（デモ）"
CLINIC_CACHE_SECONDS = 5.5  # the checkout keeps a clinic's page data 5 s
LINK_CACHE_SECONDS = 1.2  # … and a link's view 1 s

# For each element: on how many lines its text is laid out (rects of a range over its contents,
# grouped by line: a fragment starting below the previous line's bottom opens a new line).
LINES = """(selector) => Array.from(document.querySelectorAll(selector)).map((el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0).sort((a, b) => a.top - b.top);
  let lines = 0, bottom = -Infinity;
  for (const r of rects) { if (r.top >= bottom - 1) { lines += 1; } bottom = Math.max(bottom, r.bottom); }
  return [el.textContent, lines];
})"""


@pytest.fixture
def narrow(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=NARROW, locale="ja-JP", device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def long_name(stack: Stack) -> Iterator[str]:
    """The clinic renamed as in デモ (a name ending in 「（デモ）」) for the test, then named back."""
    f = stack.front
    before = stack.ctx.clinic()
    assert before is not None
    stack.ctx.directory.update_clinic(f.manager, f.clinic_id, ClinicUpdate(name=LONG_NAME))
    time.sleep(CLINIC_CACHE_SECONDS)
    yield LONG_NAME
    stack.ctx.directory.update_clinic(f.manager, f.clinic_id, ClinicUpdate(name=before.name))
    time.sleep(CLINIC_CACHE_SECONDS)


def _whole(page: Any, selector: str) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = [tuple(x) for x in page.evaluate(LINES, selector)]
    assert found, f"nothing matches {selector}"
    return found


def _check_wrapping(page: Any, name: str) -> None:
    names = _whole(page, ".name")
    phones = _whole(page, ".tel")
    assert any(text == name for text, _ in names)
    assert all(lines == 1 for _, lines in names), names
    assert all(text == "03-1234-5678" and lines == 1 for text, lines in phones), phones
    assert page.evaluate("() => document.documentElement.scrollWidth") <= NARROW["width"]  # nothing sticks out


def test_names_and_phone_stay_whole_at_360px_in_both_languages(stack: Stack, narrow: Any, long_name: str) -> None:
    request_id, url = stack.mailed_link()
    for lang in ("ja", "en"):
        narrow.goto(f"{url}?lang={lang}")
        narrow.locator("#pay-form").wait_for()
        _check_wrapping(narrow, long_name)
        # the footer line is longer than the screen: it wraps, between the name and the phone
        assert _whole(narrow, "footer .contact")[0][1] >= 2
        screenshot(narrow, "360-pay" + ("-en" if lang == "en" else ""))
    stack.ctx.billing.cancel_request(request_id, stack.front.staff)
    time.sleep(LINK_CACHE_SECONDS)
    for lang in ("ja", "en"):
        narrow.goto(f"{url}?lang={lang}")
        narrow.locator(".contact-box").wait_for()
        _check_wrapping(narrow, long_name)
        contact = "お問い合わせ:" if lang == "ja" else "Contact:"
        assert narrow.get_by_text(contact).count() == 1  # in the page's box, not again in the footer
        screenshot(narrow, "360-cancelled" + ("-en" if lang == "en" else ""))
    narrow.goto(stack.base_url + "/clinic/tokushoho")
    _check_wrapping(narrow, long_name)


def _paid_by_service(stack: Stack, amount: int = 1200) -> tuple[int, str]:
    request_id, url = stack.mailed_link(amount)
    stack.ctx.billing.pay_with_token(url.rsplit("/pay/", 1)[1], make_test_token(stack.sim.base_url, stack.sim.secret_key))
    assert request_state(stack, request_id) is BillingState.PAID
    return request_id, url


@pytest.mark.parametrize(("refund", "state", "heading", "english", "name"), [
    (None, BillingState.REFUNDED, "返金済みです", "Refunded", "refunded"),
    (200, BillingState.PARTIALLY_REFUNDED, "一部返金済みです", "Partly refunded", "partially-refunded"),
])
def test_refunded_links_say_so(stack: Stack, page: Any, browser: Any, refund: int | None, state: BillingState,
                               heading: str, english: str, name: str) -> None:
    request_id, url = _paid_by_service(stack)
    stack.ctx.billing.refund(request_id, stack.front.manager, refund)
    assert request_state(stack, request_id) is state
    page.goto(url)
    page.get_by_role("heading", name=heading).wait_for()
    assert page.get_by_role("heading", name="お支払い済みです").count() == 0
    assert axe_violations(page) == []
    screenshot(page, name)
    page.goto(url + "?lang=en")
    page.get_by_role("heading", name=english).wait_for()


def test_back_from_three_d_secure_after_30_minutes_says_why_and_pays(stack: Stack, page: Any) -> None:
    """Authenticated on PAY.JP's page, but back only after its 30 minutes: the form, saying why."""
    request_id, url = stack.mailed_link()
    page.goto(url)
    fill_card(page)
    returns: list[str] = []

    def hold(route: Any) -> None:  # PAY.JP's redirect back to us: the patient is away for a while
        returns.append(route.request.url)
        route.fulfill(status=204)

    page.route(re.compile(r"/3ds-return\?lang=ja$"), hold)
    page.get_by_role("button", name="支払う ¥1,200").click()
    page.get_by_role("button", name="認証する (Authenticate)").click()
    for _ in range(100):
        if returns:
            break
        page.wait_for_timeout(50)
    assert len(returns) == 1
    late = dt.datetime.now(dt.timezone.utc) - THREE_D_SECURE_TIMEOUT - dt.timedelta(minutes=1)
    with stack.ctx.db.uow() as uow:  # 31 minutes later, at PAY.JP and here
        uow.session.execute(update(PaymentAttempt).where(PaymentAttempt.billing_request_id == request_id)
                            .values(started_at=late))
        uow.commit()
    with stack.sim.state.transaction(write=False) as data:
        charge_id = next(c["id"] for c in data["charges"].values()
                         if (c.get("metadata") or {}).get("clinicpay_request") == str(request_id))
    stack.sim.state.set_charge_created(charge_id, int(late.timestamp()))
    page.unroute(re.compile(r"/3ds-return\?lang=ja$"), hold)
    page.goto(returns[0])
    page.wait_for_url("**/pay/*?error=three_d_secure_expired&lang=ja")
    page.get_by_role("heading", name="本人認証の時間切れです").wait_for()
    assert page.get_by_text("カードへの請求はありません。", exact=False).is_visible()
    assert request_state(stack, request_id) is BillingState.REQUESTED
    wait_for_card_fields(page)
    assert axe_violations(page) == []
    screenshot(page, "tds-timed-out")
    fill_card(page)
    page.get_by_role("button", name="支払う ¥1,200").click()
    page.get_by_role("button", name="認証する (Authenticate)").click()
    page.wait_for_url(THANKS)
    assert request_state(stack, request_id) is BillingState.PAID and charges_for(stack, request_id) == 2
