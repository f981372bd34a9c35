"""Every patient page in English shows no Japanese, except the patient's and the clinic's own data."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from starlette.testclient import TestClient

from desktop.domain.billing import BillingState
from desktop.services.context import AppContext
from desktop.simulator.testing import RunningSimulator
from tests.checkout.helpers import Link, another_visit, issue_link
from tests.checkout.test_pay_page import pay, set_state, through_payjp
from tests.checkout.test_receipt import pdf_text, receipt_csrf
from tests.checkout.test_three_d_secure import start_payment
from tests.integration.seed import Front

JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# Entered by the clinic or about the patient (tests/integration/seed.py, seed_demo_clinic, issue_link):
# shown as entered, in any language.
DATA = ("やまだ内科クリニック", "東京都千代田区1-1-1", "〒100-0001", "山田 太郎", "山田 花子", "オンライン診療 (後決済)",
        "お大事になさってください", "東京都新宿区2-2-2")


def japanese_left(page: str) -> list[str]:
    """Japanese characters in the visible text of ``page`` once the data above is taken out."""
    text = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    # The language switch names Japanese in Japanese (lang="ja"), as language menus do.
    text = re.sub(r'<a class="lang"[^>]*lang="ja"[^>]*>日本語</a>', " ", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    for value in DATA:
        text = text.replace(value, " ")
    return [line.strip() for line in text.splitlines() if JAPANESE.search(line)]


def english(client: TestClient, path: str) -> str:
    sep = "&" if "?" in path else "?"
    page = client.get(f"{path}{sep}lang=en", follow_redirects=False)
    assert page.status_code in (200, 404), (path, page.status_code)
    assert '<html lang="en">' in page.text
    return page.text


def test_payment_page_and_its_error_messages(client: TestClient, link: Link) -> None:
    page = english(client, link.path)
    assert "Pay by card" in page and japanese_left(page) == []
    for code in ("card_declined", "three_d_secure_failed", "expired_card", "outcome_unknown"):
        page = english(client, f"{link.path}?error={code}")
        assert japanese_left(page) == [], code


def test_legal_and_not_found_pages(client: TestClient) -> None:
    for path in ("/clinic/tokushoho", "/clinic/privacy", "/clinic/terms", "/pay/" + "A" * 43, "/no/such/page"):
        assert japanese_left(english(client, path)) == [], path


def test_cancelled_expired_and_processing_pages(client: TestClient, ctx: AppContext, front: Front,
                                                 sim: RunningSimulator, link: Link) -> None:
    start_payment(client, sim, link)
    processing = english(client, link.path)
    assert "Checking your payment" in processing and japanese_left(processing) == []
    # The visit's request is being paid: the desktop bills another visit of the same patient.
    other = issue_link(ctx, front, reservation_id=another_visit(ctx, front))
    ctx.billing.cancel_request(other.request_id, front.staff)
    cancelled = english(client, other.path)
    assert "This request was cancelled" in cancelled and japanese_left(cancelled) == []
    set_state(ctx, other.request_id, state=BillingState.REQUESTED,
              link_expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1))
    expired = english(client, other.path)
    assert "This payment link has expired" in expired and japanese_left(expired) == []


def test_three_d_secure_return_and_failure(client: TestClient, sim: RunningSimulator, link: Link) -> None:
    back_url = through_payjp(start_payment(client, sim, link)["redirect"], authenticate=False)
    returned = english(client, back_url)
    assert "Completing your payment" in returned and japanese_left(returned) == []


def test_thanks_paid_and_receipt_pages_and_pdf(client: TestClient, sim: RunningSimulator, link: Link) -> None:
    assert pay(client, sim, link)["result"] == "paid"
    thanks = english(client, link.path + "/thanks")
    assert "Thank you for your payment" in thanks and japanese_left(thanks) == []
    paid = english(client, link.path)
    assert "Already paid" in paid and japanese_left(paid) == []
    form = english(client, link.path + "/receipt")
    assert japanese_left(form) == []
    client.post(link.path + "/receipt?lang=en", data={"csrf": receipt_csrf(form), "addressee": "Hanako Yamada"})
    receipt = english(client, link.path + "/receipt")
    assert "Hanako Yamada" in receipt and japanese_left(receipt) == []
    text = pdf_text(client.get(link.path + "/receipt.pdf?lang=en").content)
    assert "Receipt" in text and japanese_left(text) == []


@pytest.mark.parametrize("lang", ["ja"])
def test_japanese_pages_keep_their_words(client: TestClient, link: Link, lang: str) -> None:
    page = client.get(f"{link.path}?lang={lang}").text
    for words in ("支払い情報", "うち消費税（10%）", "山田 花子 様", "カード名義は半角英字", "本文へ移動", "特定商取引法に基づく表記"):
        assert words in page, words
