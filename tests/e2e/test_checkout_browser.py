"""The patient's checkout in a real headless Chromium: mail link → card form → 3-D Secure → receipt."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select

from desktop.domain.billing import BillingState
from desktop.storage.orm import BillingRequest, PaymentAttempt
from tests.e2e.conftest import Stack, screenshot
from tests.e2e.flows import THANKS, axe_violations, fill_card, pay_with_3ds


def request_state(stack: Stack, request_id: int) -> BillingState:
    with stack.ctx.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None
        return req.state


def attempts(stack: Stack, request_id: int) -> int:
    with stack.ctx.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(PaymentAttempt).where(
            PaymentAttempt.billing_request_id == request_id)) or 0)


def charges_for(stack: Stack, request_id: int) -> int:
    with stack.sim.state.transaction(write=False) as data:
        return sum(1 for c in data["charges"].values()
                   if (c.get("metadata") or {}).get("clinicpay_request") == str(request_id))


def test_mailed_link_card_3ds_thanks_and_receipt_pdf(stack: Stack, page: Any) -> None:
    request_id, url = stack.mailed_link()
    page.goto(url)
    assert page.get_by_test_id("amount").inner_text() == "¥1,200"
    page.get_by_text("うち消費税（10%） ¥109").wait_for()
    for brand in ("VISA", "Mastercard", "JCB", "American Express", "Diners Club", "DISCOVER"):
        assert page.get_by_role("img", name=brand).is_visible()
    page.frame_locator("#card-number iframe").locator("input").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "pay")
    fill_card(page)
    pay_with_3ds(page)  # PAY.JP's page in the same tab, then back to us
    page.wait_for_url(THANKS)
    page.get_by_role("heading", name="お支払いありがとうございました").wait_for()
    assert page.get_by_test_id("paid-amount").inner_text() == "¥1,200"
    assert request_state(stack, request_id) is BillingState.PAID  # the clinic sees it paid at once
    assert axe_violations(page) == []
    screenshot(page, "thanks")
    page.get_by_role("link", name="領収書を表示する").click()
    page.get_by_label("宛名").fill("山田 花子")
    assert axe_violations(page) == []
    screenshot(page, "receipt-form")
    page.get_by_role("button", name="この宛名で領収書を発行する").click()
    page.get_by_test_id("receipt").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "receipt")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDFをダウンロード").click()
    content = pathlib_bytes(download_info.value.path())
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    for expected in ("領収書", "山田 花子", "¥1,200", "¥109", "T1234567890123", "やまだ内科クリニック"):
        assert expected in text, expected
    assert charges_for(stack, request_id) == 1


def test_thanks_page_says_tax_exempt_without_a_dash(stack: Stack, page: Any) -> None:
    """非課税: the thanks page says so with the amount, as the receipt does (ja and en, 390 px)."""
    _request_id, url = stack.mailed_link(tax="non_taxable")
    page.goto(url)
    page.get_by_text("非課税", exact=True).first.wait_for()
    fill_card(page)
    pay_with_3ds(page)
    page.wait_for_url(THANKS)
    for lang, label in (("ja", "非課税"), ("en", "Tax-exempt")):
        page.goto(page.url.split("?")[0] + f"?lang={lang}")
        line = page.get_by_test_id("tax-line")
        assert line.locator("dt").inner_text() == label and line.locator("dd").inner_text() == "¥1,200"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        assert axe_violations(page) == []
        screenshot(page, "thanks-non-taxable" + ("-en" if lang == "en" else ""))


def pathlib_bytes(path: Any) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()
