"""自動決済: the receipt mail of a request charged to the saved card links to the receipt on the checkout
page, as the receipt mail of a payment made through the link does; that link never offers to pay again."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from sqlalchemy import select, update
from starlette.testclient import TestClient

from desktop.domain.billing import BillingState
from desktop.services.billing.common import AUTO_CHARGE_MESSAGE
from desktop.services.context import AppContext
from desktop.services.directory import ClinicUpdate
from desktop.services.payjp_gateway import PayjpConfig, PayjpGateway
from desktop.simulator.testing import RunningSimulator, make_test_token
from desktop.storage.orm import OutboxMail, Patient
from tests.checkout.test_english_run import english, japanese_left
from tests.checkout.test_receipt import receipt_csrf
from tests.integration.seed import Front

RECEIPT_LINK = re.compile(r"http://127\.0\.0\.1:8470(/pay/[A-Za-z0-9_-]{40,64})/receipt\b")


def _auto_charged(ctx: AppContext, sim: RunningSimulator, front: Front) -> int:
    """The patient's card is saved and 自動決済 is on: 後決済請求 charges it at once; returns the request."""
    gateway = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key=sim.secret_key, public_key=sim.public_key,
                                       timeout=3.0))
    card = make_test_token(sim.base_url, sim.secret_key, name="HANAKO YAMADA")
    customer = gateway.create_customer(card_token=card, email="hanako@example.jp", patient_id=front.patient_id)
    ctx.directory.set_patient_customer(front.patient_id, customer)
    ctx.directory.update_clinic(front.manager, front.clinic_id, ClinicUpdate(auto_charge=True))
    outcome = ctx.billing.request_payment(front.reservation_id, front.staff, 3300, "taxable")
    assert outcome.auto_charged and outcome.state is BillingState.PAID
    return outcome.request_id


def _mails(ctx: AppContext, request_id: int, part: str = "plain") -> dict[str, str]:
    """The plain text (or ``part``: "html") of each mail queued for the request, by kind."""
    with ctx.db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(OutboxMail.kind, OutboxMail.body).where(
            OutboxMail.billing_request_id == request_id)).all()
    texts = {}
    for kind, body in rows:
        part = message_from_bytes(body, policy=policy.default).get_body(preferencelist=(part,))
        assert part is not None
        texts[kind] = str(part.get_content())  # type: ignore[attr-defined]
    return texts


def test_receipt_mail_of_an_auto_charge_opens_the_receipt(client: TestClient, ctx: AppContext, sim: RunningSimulator,
                                                          front: Front) -> None:
    request_id = _auto_charged(ctx, sim, front)
    mails = _mails(ctx, request_id)
    assert list(mails) == ["receipt"]  # no payment link was sent
    text = mails["receipt"]
    assert "■ 領収書" in text and "下記のリンクから領収書をご確認いただけます。" in text
    # the 伝達事項 (no payment request mail carried it): the default says the saved card was used
    assert AUTO_CHARGE_MESSAGE in text and "メール内のリンク" not in text
    html = _mails(ctx, request_id, "html")["receipt"]
    assert AUTO_CHARGE_MESSAGE in html and "/receipt" in html
    found = RECEIPT_LINK.search(text)
    assert found, text
    link = found.group(1)

    form = client.get(link + "/receipt")
    assert form.status_code == 200 and "この宛名で領収書を発行する" in form.text
    issued = client.post(link + "/receipt", data={"csrf": receipt_csrf(form.text), "addressee": "山田 花子"})
    assert issued.status_code == 200 and "山田 花子 様" in issued.text and "¥3,300" in issued.text
    pdf = client.get(link + "/receipt.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"

    # The link's own page says it is paid and offers no card form.
    paid = client.get(link).text
    assert "お支払い済みです" in paid and "カード番号" not in paid and "支払う ¥" not in paid
    assert f'href="{link}/receipt"' in paid  # 領収書を表示する
    paid_en = english(client, link)
    assert "Already paid" in paid_en and "Card number" not in paid_en and japanese_left(paid_en) == []
    receipt_en = english(client, link + "/receipt")
    assert "山田 花子" in receipt_en and japanese_left(receipt_en) == []


def test_english_patient_gets_the_receipt_link_in_english(client: TestClient, ctx: AppContext, sim: RunningSimulator,
                                                          front: Front) -> None:
    with ctx.db.uow() as uow:
        uow.session.execute(update(Patient).where(Patient.id == front.patient_id).values(language="en"))
        uow.commit()
    text = _mails(ctx, _auto_charged(ctx, sim, front))["receipt"]
    assert "■ Receipt" in text and "You can view your receipt from the link below." in text
    found = RECEIPT_LINK.search(text)
    assert found, text
    page = english(client, found.group(1) + "/receipt")
    assert "Hanako" in page or "山田 花子" in page
    assert japanese_left(page) == []
