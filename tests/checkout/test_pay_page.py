"""The payment page over HTTP: what the patient sees per link state, and the pay flow."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from desktop.domain.billing import BillingState
from desktop.domain.clinic import PaymentMode, ReviewStatus
from desktop.services.context import AppContext
from desktop.services.directory import ClinicUpdate
from desktop.services.secrets import payjp_secret_name
from desktop.simulator.testing import RunningSimulator, make_test_token
from desktop.storage.orm import BillingRequest, PaymentAttempt
from tests.checkout.helpers import Link, another_visit, issue_link
from tests.integration.seed import Front


def csrf_of(html: str) -> str:
    found = re.search(r'data-csrf="([0-9a-f]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def state_of(ctx: AppContext, request_id: int) -> BillingState:
    with ctx.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None
        return req.state


def set_state(ctx: AppContext, request_id: int, **values: object) -> None:
    with ctx.db.uow() as uow:
        uow.session.execute(update(BillingRequest).where(BillingRequest.id == request_id).values(**values))
        uow.commit()


def through_payjp(start_url: str, authenticate: bool = True) -> str:
    """The cardholder on PAY.JP's 3-D Secure page (the simulator's): answer, return the back URL."""
    with httpx.Client(timeout=10) as browser:
        page = browser.get(start_url)
        assert page.status_code == 200, page.text
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
        fields = {k: html.unescape(v) for k, v in fields.items()}
        fields["result"] = "verified" if authenticate else "failed"
        answer = browser.post(str(page.url.join(html.unescape(action.group(1)))), data=fields)
    assert answer.status_code == 303
    return answer.headers["location"]


def finish_return(client: TestClient, back_url: str) -> httpx.Response:
    """Our /3ds-return page, then its form posted back as the page's script does."""
    page = client.get(back_url, follow_redirects=False)
    assert page.status_code == 200, page.text
    action = re.search(r'<form id="tds-return" method="post" action="([^"]+)"', page.text)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert action and csrf
    done: httpx.Response = client.post(html.unescape(action.group(1)), data={"csrf": csrf.group(1)},
                                       follow_redirects=False)
    return done


def pay(client: TestClient, sim: RunningSimulator, link: Link, number: str = "4242424242424242",
        authenticate: bool = True) -> dict[str, object]:
    """Pay as the page does; the 3-D Secure redirect is followed and its end reported as JSON-like."""
    page = client.get(link.path)
    csrf = csrf_of(page.text)
    token = make_test_token(sim.base_url, sim.secret_key, number=number, name="HANAKO YAMADA")
    answer = client.post(link.path, json={"card_token": token}, headers={"X-CSRF-Token": csrf}).json()
    if answer["result"] != "three_d_secure":
        return dict(answer)
    done = finish_return(client, through_payjp(str(answer["redirect"]), authenticate))
    assert done.status_code == 303
    location = urlsplit(done.headers["location"])
    if location.path.endswith("/thanks"):
        return {"result": "paid", "redirect": location.path}
    code = parse_qs(location.query).get("error", [""])[0]
    message = re.search(r'id="form-error"[^>]*>([^<]*)<', client.get(done.headers["location"]).text)
    return {"result": "error" if code else "reload", "code": code, "message": message.group(1) if message else ""}


def test_payable_link_shows_clinic_amount_tax_brands_and_card_form(client: TestClient, link: Link) -> None:
    page = client.get(link.path)
    assert page.status_code == 200
    html = page.text
    for text in ("やまだ内科クリニック", "オンライン診療 (後決済)", "¥1,200", "うち消費税（10%） ¥109", "山田 花子 様",
                 "カード番号", "有効期限（月 / 年）", "CVC番号", "名前（カード名義）", "支払う ¥1,200", "Powered by PAY.JP",
                 "2026年11月2日 (月) 14:54"):
        assert text in html
    for brand in ("VISA", "Mastercard", "JCB", "American Express", "Diners Club", "DISCOVER"):
        assert f'alt="{brand}"' in html
    assert "/payjs/v2/pay.js" in html and 'value="hanako@example.jp"' in html


def test_english_by_browser_language(client: TestClient, link: Link) -> None:
    html = client.get(link.path, headers={"Accept-Language": "en-US,en;q=0.9,ja;q=0.5"}).text
    assert '<html lang="en">' in html and "Pay ¥1,200" in html and "Cardholder name" in html
    assert '<html lang="ja">' in client.get(link.path, headers={"Accept-Language": "ja,en;q=0.8"}).text


def test_opening_a_link_changes_nothing(client: TestClient, ctx: AppContext, link: Link) -> None:
    for _ in range(3):
        client.get(link.path)
        client.get(link.path + "/thanks")
        client.get(link.path + "/receipt")
    assert state_of(ctx, link.request_id) is BillingState.REQUESTED
    with ctx.db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(PaymentAttempt)) == 0


def test_pay_with_three_d_secure_then_thanks_page(client: TestClient, ctx: AppContext, sim: RunningSimulator,
                                                   link: Link) -> None:
    answer = pay(client, sim, link)
    assert answer == {"result": "paid", "redirect": f"{link.path}/thanks"}
    assert state_of(ctx, link.request_id) is BillingState.PAID
    thanks = client.get(link.path + "/thanks").text
    assert "お支払いありがとうございました" in thanks and "¥1,200" in thanks and "領収書を表示する" in thanks
    again = client.get(link.path).text
    assert "お支払い済みです" in again and 'id="pay-form"' not in again and "03-1234-5678" in again


def _tax_line(page: str) -> tuple[str, str]:
    """The thanks page's tax line as the patient reads it: (label, value)."""
    found = re.search(r'<div data-testid="tax-line"><dt>([^<]*)</dt><dd>([^<]*)</dd></div>', page)
    assert found, "no tax line on the thanks page"
    return html.unescape(found.group(1)), html.unescape(found.group(2))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_thanks_page_tax_line_as_on_the_receipt(client: TestClient, ctx: AppContext, front: Front,
                                                  sim: RunningSimulator, lang: str) -> None:
    """課税: the 消費税 included (¥1,100 → ¥100); 非課税: said so with the amount, never a dash."""
    taxable = issue_link(ctx, front, amount=1100, tax="taxable")
    assert pay(client, sim, taxable)["result"] == "paid"
    exempt = issue_link(ctx, front, amount=3300, tax="non_taxable", reservation_id=another_visit(ctx, front))
    assert pay(client, sim, exempt)["result"] == "paid"
    expected = {"ja": (("うち消費税（10%）", "¥100"), ("非課税", "¥3,300")),
                "en": (("Consumption tax (10%) included", "¥100"), ("Tax-exempt", "¥3,300"))}[lang]
    for link, line in zip((taxable, exempt), expected):
        page = client.get(f"{link.path}/thanks?lang={lang}").text
        assert _tax_line(page) == line
        assert "<dd>-</dd>" not in page
        receipt_row = f'<tr><th scope="row">{line[0].replace("（10%）", "")}</th><td class="num">{line[1]}</td></tr>'
        if lang == "ja":  # the receipt page names the line the same way, with the same amount
            form = client.get(f"{link.path}/receipt").text
            client.post(f"{link.path}/receipt", data={"csrf": re.search(r'name="csrf" value="([^"]+)"', form)[1],
                                                      "addressee": "山田 花子"})
            assert receipt_row in client.get(f"{link.path}/receipt").text


def test_declined_card_shows_reason_in_japanese_and_allows_retry(client: TestClient, ctx: AppContext,
                                                                 sim: RunningSimulator, link: Link) -> None:
    answer = pay(client, sim, link, number="4000000000080319")
    assert answer["result"] == "error"
    assert answer["message"] == "カードが利用できませんでした。別のカードをお試しいただくか、カード会社へお問い合わせください。"
    assert state_of(ctx, link.request_id) is BillingState.REQUESTED
    assert pay(client, sim, link)["result"] == "paid"


def test_failed_three_d_secure_lets_the_patient_retry(client: TestClient, sim: RunningSimulator, link: Link) -> None:
    answer = pay(client, sim, link, authenticate=False)
    assert answer["result"] == "error" and "3Dセキュア" in str(answer["message"])
    assert pay(client, sim, link)["result"] == "paid"


def test_second_submit_while_processing_never_charges_twice(client: TestClient, ctx: AppContext,
                                                            sim: RunningSimulator, link: Link) -> None:
    csrf = csrf_of(client.get(link.path).text)
    first = client.post(link.path, json={"card_token": make_test_token(sim.base_url, sim.secret_key)},
                        headers={"X-CSRF-Token": csrf}).json()
    assert first["result"] == "three_d_secure"
    second = client.post(link.path, json={"card_token": make_test_token(sim.base_url, sim.secret_key)},
                         headers={"X-CSRF-Token": csrf})
    assert second.status_code == 409 and second.json() == {"result": "reload", "redirect": link.path}
    page = client.get(link.path).text
    assert "お支払いを確認しています" in page and "本人認証を続ける" in page
    with ctx.db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(PaymentAttempt)) == 1


def test_cancelled_expired_and_paid_links_show_their_page(client: TestClient, ctx: AppContext, front: Front,
                                                          link: Link) -> None:
    ctx.billing.cancel_request(link.request_id, front.staff)
    html = client.get(link.path).text
    assert "このご請求は取り消されました" in html and "03-1234-5678" in html and 'id="pay-form"' not in html
    set_state(ctx, link.request_id, state=BillingState.REQUESTED,
              link_expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1))
    html = client.get(link.path).text
    assert "お支払いリンクの有効期限が切れています" in html and 'id="pay-form"' not in html


def test_pay_on_a_cancelled_link_is_refused(client: TestClient, ctx: AppContext, sim: RunningSimulator,
                                            front: Front, link: Link) -> None:
    csrf = csrf_of(client.get(link.path).text)
    ctx.billing.cancel_request(link.request_id, front.staff)
    answer = client.post(link.path, json={"card_token": make_test_token(sim.base_url, sim.secret_key)},
                         headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 409 and state_of(ctx, link.request_id) is BillingState.CANCELLED


def test_forged_malformed_and_unknown_tokens_get_identical_404(client: TestClient, link: Link) -> None:
    forged = link.token[:-4] + ("AAAA" if not link.token.endswith("AAAA") else "BBBB")
    pages = [client.get(f"/pay/{t}") for t in (forged, "short", "x" * 43, "../../etc/passwd")]
    pages.append(client.get("/no/such/page"))
    assert {p.status_code for p in pages} == {404}
    bodies = {re.sub(r"nonce-[^;']+", "", p.text) for p in pages}
    assert len(bodies) == 1 and "このお支払いリンクは無効です" in bodies.pop()
    assert link.token not in pages[0].text


@pytest.mark.parametrize("change", [
    {"payment_mode": PaymentMode.TEST, "payjp_tenant_id": None},  # テスト without a tenant
    {"payment_mode": PaymentMode.LIVE, "payjp_tenant_id": "ten_sakura", "review_status": ReviewStatus.IN_REVIEW},
    {"payment_company": None},
])
def test_a_clinic_that_takes_no_card_payment_now_tells_the_patient_plainly(
        client: TestClient, ctx: AppContext, sim: RunningSimulator, front: Front, link: Link,
        change: dict[str, object]) -> None:
    for mode in ("test", "live"):  # the keys are there: only the tenant (or the company) is missing
        ctx.secrets.set(payjp_secret_name(mode), f"sk_{mode}_sakura0000000000000000a1")
    ctx.directory.update_clinic(front.manager, front.clinic_id, ClinicUpdate(**change))  # type: ignore[arg-type]
    answer = pay(client, sim, link)
    assert answer["result"] == "error"
    assert answer["message"] == ("申し訳ありません。ただいまこのクリニックではカードでのお支払いを受け付けておりません。"
                                 "お手数ですがクリニックへお問い合わせください。")
    assert "テナント" not in str(answer["message"])  # never the staff's reason
    assert state_of(ctx, link.request_id) is BillingState.REQUESTED
    english = client.post(link.path, json={"card_token": "tok_x"},
                          headers={"X-CSRF-Token": csrf_of(client.get(link.path).text), "Accept-Language": "en"})
    assert english.json()["message"] == ("We are sorry: this clinic cannot take card payments at the moment. "
                                         "Please contact the clinic.")
