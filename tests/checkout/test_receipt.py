"""領収書: addressee editable until the first issue, 再発行 afterwards, PDF text, refunds."""

from __future__ import annotations

import datetime as dt
import io
import re

from pypdf import PdfReader
from sqlalchemy import update
from starlette.testclient import TestClient

from desktop.domain.billing import BillingState
from desktop.services.context import AppContext
from desktop.simulator.testing import RunningSimulator
from desktop.storage.orm import BillingRequest
from tests.checkout.helpers import Link
from tests.checkout.test_pay_page import pay


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def receipt_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found
    return found.group(1)


def test_unpaid_link_has_no_receipt(client: TestClient, link: Link) -> None:
    answer = client.get(link.path + "/receipt", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == link.path
    assert client.get(link.path + "/receipt.pdf", follow_redirects=False).status_code == 303


def test_issue_with_addressee_then_reissue(client: TestClient, ctx: AppContext, sim: RunningSimulator,
                                           link: Link) -> None:
    assert pay(client, sim, link)["result"] == "paid"
    form = client.get(link.path + "/receipt").text
    assert 'value="山田 花子"' in form and "この宛名で領収書を発行する" in form
    assert client.get(link.path + "/receipt.pdf", follow_redirects=False).status_code == 303
    issued = client.post(link.path + "/receipt", data={"csrf": receipt_csrf(form), "addressee": "株式会社 山田商事"})
    assert issued.status_code == 200
    html = issued.text
    assert "株式会社 山田商事 様" in html and "再発行" not in html.split("actions")[0]
    assert "T1234567890123" in html and "¥1,200" in html and "¥109" in html
    pdf = client.get(link.path + "/receipt.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for expected in ("領収書", "株式会社 山田商事", "¥1,200", "¥109", "T1234567890123", "やまだ内科クリニック",
                     "東京都千代田区1-1-1", "但し  診療代として", "10%対象"):
        assert expected in text, expected
    assert "再発行" not in text
    assert "後決済" not in text and "後決済" not in html  # 但し書き, never the menu's internal name
    # The addressee cannot change after the first issue; a second issue is marked 再発行.
    client.post(link.path + "/receipt", data={"csrf": receipt_csrf(html), "addressee": "別人"})
    text = pdf_text(client.get(link.path + "/receipt.pdf").content)
    assert "再発行" in text and "株式会社 山田商事" in text and "別人" not in text


def test_refund_is_shown(client: TestClient, ctx: AppContext, sim: RunningSimulator, link: Link) -> None:
    pay(client, sim, link)
    with ctx.db.uow() as uow:
        uow.session.execute(update(BillingRequest).where(BillingRequest.id == link.request_id).values(
            refunded_amount=200, state=BillingState.PARTIALLY_REFUNDED))
        uow.commit()
    form = client.get(link.path + "/receipt").text
    html = client.post(link.path + "/receipt", data={"csrf": receipt_csrf(form), "addressee": ""}).text
    assert "-¥200" in html and "¥1,000" in html and "山田 花子 様" in html
    text = pdf_text(client.get(link.path + "/receipt.pdf").content)
    assert "返金" in text and "-¥200" in text and "¥1,000" in text


def test_english_receipt(client: TestClient, sim: RunningSimulator, link: Link) -> None:
    pay(client, sim, link)
    form = client.get(link.path + "/receipt?lang=en").text
    client.post(link.path + "/receipt", data={"csrf": receipt_csrf(form), "addressee": "Hanako Yamada"})
    text = pdf_text(client.get(link.path + "/receipt.pdf?lang=en").content)
    assert "Receipt" in text and "Hanako Yamada" in text and "Registration number" in text


def test_a_name_outside_the_main_font_is_printed_and_what_no_font_has_is_refused(
        client: TestClient, ctx: AppContext, sim: RunningSimulator, link: Link) -> None:
    pay(client, sim, link)
    form = client.get(link.path + "/receipt").text
    refused = client.post(link.path + "/receipt", data={"csrf": receipt_csrf(form), "addressee": "山田\U000f0000花子"})
    assert refused.status_code == 400
    assert "（U+F0000）は領収書に印刷できない文字です" in refused.text and 'aria-invalid="true"' in refused.text
    form_en = client.get(link.path + "/receipt?lang=en").text
    refused_en = client.post(link.path + "/receipt?lang=en",
                             data={"csrf": receipt_csrf(form_en), "addressee": "山田\U000f0000花子"})
    assert "(U+F0000) in the addressee cannot be printed" in refused_en.text
    html = client.post(link.path + "/receipt", data={"csrf": receipt_csrf(form), "addressee": "𠮷田　花子"}).text
    assert "𠮷田 花子 様" in html
    text = pdf_text(client.get(link.path + "/receipt.pdf").content).replace("\x00", "")
    assert "𠮷田 花子 様" in text


def test_a_fully_refunded_receipt_says_so_with_the_refund_date(client: TestClient, ctx: AppContext,
                                                                sim: RunningSimulator, link: Link) -> None:
    pay(client, sim, link)
    with ctx.db.uow() as uow:
        uow.session.execute(update(BillingRequest).where(BillingRequest.id == link.request_id).values(
            refunded_amount=1200, state=BillingState.REFUNDED,
            last_refunded_at=dt.datetime(2026, 11, 4, 1, 0, tzinfo=dt.timezone.utc)))
        uow.commit()
    form = client.get(link.path + "/receipt").text
    html = client.post(link.path + "/receipt", data={"csrf": receipt_csrf(form), "addressee": ""}).text
    assert "返金済み" in html and "返金額" in html and "返金日" in html and "2026年11月4日" in html
    text = pdf_text(client.get(link.path + "/receipt.pdf").content)
    assert "【返金済み】" in text and "2026年11月4日" in text
