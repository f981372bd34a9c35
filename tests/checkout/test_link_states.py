"""Each state of a payment link is named exactly on its page, in Japanese and English: paid,
refunded in full, partly refunded, expired, and 3-D Secure timed out (with what to do next)."""

from __future__ import annotations

import datetime as dt
import html
import re

from sqlalchemy import select, update
from starlette.testclient import TestClient

from desktop.domain.billing import AttemptStatus, BillingState
from desktop.services.billing import THREE_D_SECURE_TIMEOUT
from desktop.services.context import AppContext
from desktop.simulator.testing import RunningSimulator
from desktop.storage.orm import PaymentAttempt
from tests.checkout.helpers import Link
from tests.checkout.test_pay_page import finish_return, pay, set_state, state_of, through_payjp
from tests.checkout.test_three_d_secure import start_payment
from tests.integration.seed import Front


def _title(page_html: str) -> str:
    found = re.search(r"<h1>([^<]*)</h1>", page_html)
    assert found, "no heading"
    return html.unescape(found.group(1))


def _titles(client: TestClient, path: str) -> tuple[str, str]:
    return _title(client.get(path + "?lang=ja").text), _title(client.get(path + "?lang=en").text)


def _paid(client: TestClient, sim: RunningSimulator, link: Link) -> None:
    assert pay(client, sim, link)["result"] == "paid"


def test_paid_link(client: TestClient, sim: RunningSimulator, link: Link) -> None:
    _paid(client, sim, link)
    assert _titles(client, link.path) == ("お支払い済みです", "Already paid")


def test_fully_refunded_link_says_refunded_not_paid(client: TestClient, ctx: AppContext, sim: RunningSimulator,
                                                    front: Front, link: Link) -> None:
    _paid(client, sim, link)
    ctx.billing.refund(link.request_id, front.manager)
    assert state_of(ctx, link.request_id) is BillingState.REFUNDED
    assert _titles(client, link.path) == ("返金済みです", "Refunded")
    page = client.get(link.path).text
    assert "全額を返金しました" in page and 'data-testid="refunded-amount">¥1,200<' in page
    assert 'data-testid="net-amount">¥0<' in page
    # the thanks page of that payment now leads to the link's page, which says refunded
    thanks = client.get(link.path + "/thanks", follow_redirects=False)
    assert thanks.status_code == 303 and thanks.headers["location"] == link.path


def test_partly_refunded_link(client: TestClient, ctx: AppContext, sim: RunningSimulator, front: Front,
                              link: Link) -> None:
    _paid(client, sim, link)
    ctx.billing.refund(link.request_id, front.manager, 200)
    assert state_of(ctx, link.request_id) is BillingState.PARTIALLY_REFUNDED
    assert _titles(client, link.path) == ("一部返金済みです", "Partly refunded")
    page = client.get(link.path).text
    assert 'data-testid="refunded-amount">¥200<' in page and 'data-testid="net-amount">¥1,000<' in page


def test_expired_link_names_its_end_and_what_to_do(client: TestClient, ctx: AppContext, link: Link) -> None:
    set_state(ctx, link.request_id, link_expires_at=dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.timezone.utc))
    assert _titles(client, link.path) == ("お支払いリンクの有効期限が切れています", "This payment link has expired")
    page = client.get(link.path).text
    assert "有効期限: 2026年1月5日 (月) 12:00" in page and "新しいリンクをお送りします" in page


def _age_attempt(ctx: AppContext, request_id: int) -> None:
    """As if PAY.JP's 3-D Secure page had been left open past its 30 minutes."""
    with ctx.db.uow() as uow:
        uow.session.execute(update(PaymentAttempt).where(PaymentAttempt.billing_request_id == request_id).values(
            started_at=dt.datetime.now(dt.timezone.utc) - THREE_D_SECURE_TIMEOUT - dt.timedelta(minutes=1)))
        uow.commit()


def _age_charge(sim: RunningSimulator, charge_id: str) -> None:
    sim.state.set_charge_created(charge_id, int(dt.datetime.now(dt.timezone.utc).timestamp()) - 31 * 60)


def _attempt(ctx: AppContext, request_id: int) -> PaymentAttempt:
    with ctx.db.uow(readonly=True) as uow:
        found = uow.session.scalars(select(PaymentAttempt).where(PaymentAttempt.billing_request_id == request_id)).one()
        uow.session.expunge(found)
        return found


def _timed_out_form(client: TestClient, location: str) -> str:
    page = client.get(location).text
    assert _title(page) == "本人認証の時間切れです"
    assert "カードへの請求はありません" in page and "もう一度カード情報を入力してお支払いください" in page
    assert 'id="pay-form"' in page  # the card form is right there to pay again
    return page


def test_back_from_three_d_secure_after_the_limit_gets_the_form_with_why(
        client: TestClient, ctx: AppContext, sim: RunningSimulator, link: Link) -> None:
    answer = start_payment(client, sim, link)
    back_url = through_payjp(answer["redirect"])  # authenticated, but too late
    _age_attempt(ctx, link.request_id)
    _age_charge(sim, answer["charge_id"])
    done = finish_return(client, back_url)
    assert done.status_code == 303
    assert done.headers["location"] == f"{link.path}?error=three_d_secure_expired&lang=ja"
    _timed_out_form(client, done.headers["location"])
    assert state_of(ctx, link.request_id) is BillingState.REQUESTED
    attempt = _attempt(ctx, link.request_id)
    assert attempt.status is AttemptStatus.FAILED and attempt.error_code == "three_d_secure_expired"
    english = client.get(f"{link.path}?error=three_d_secure_expired&lang=en").text
    assert _title(english) == "3-D Secure timed out" and "Your card has not been charged." in english
    # and the patient pays with the form
    assert pay(client, sim, link)["result"] == "paid"


def test_back_after_reconciliation_settled_the_timed_out_attempt(
        client: TestClient, ctx: AppContext, sim: RunningSimulator, link: Link) -> None:
    answer = start_payment(client, sim, link)
    back_url = through_payjp(answer["redirect"])
    _age_attempt(ctx, link.request_id)
    _age_charge(sim, answer["charge_id"])
    ctx.billing.reconcile_pending()  # the app's minute loop got there first
    assert state_of(ctx, link.request_id) is BillingState.REQUESTED
    back = client.get(back_url, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == f"{link.path}?error=three_d_secure_expired&lang=ja"
    _timed_out_form(client, back.headers["location"])
    _timed_out_form(client, link.path)  # the mailed link opened again says it too


def test_link_opened_again_after_the_limit_offers_to_start_over(
        client: TestClient, ctx: AppContext, sim: RunningSimulator, link: Link) -> None:
    answer = start_payment(client, sim, link)
    _age_attempt(ctx, link.request_id)
    _age_charge(sim, answer["charge_id"])
    page = client.get(link.path).text
    assert _title(page) == "本人認証の時間切れです" and "本人認証を続ける" not in page
    assert _title(client.get(link.path + "?lang=en").text) == "3-D Secure timed out"
    assert state_of(ctx, link.request_id) is BillingState.PROCESSING  # opening it changed nothing
    action = re.search(r'<form id="tds-timed-out" method="post" action="([^"]+)"', page)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert action and csrf
    done = client.post(html.unescape(action.group(1)), data={"csrf": csrf.group(1)}, follow_redirects=False)
    assert done.headers["location"] == f"{link.path}?error=three_d_secure_expired&lang=ja"
    _timed_out_form(client, done.headers["location"])
    assert state_of(ctx, link.request_id) is BillingState.REQUESTED


def test_contact_shown_once_with_phone_kept_whole(client: TestClient, ctx: AppContext, front: Front,
                                                  link: Link) -> None:
    ctx.billing.cancel_request(link.request_id, front.staff)
    for lang in ("ja", "en"):
        page = client.get(f"{link.path}?lang={lang}").text
        contact = "お問い合わせ" if lang == "ja" else "Contact"
        assert page.count(contact + ":") == 1, page
        assert page.count('class="tel" href="tel:0312345678">03-1234-5678</a>') == 1
