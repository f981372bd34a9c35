"""Saving a card on the checkout page in a real headless Chromium: the consent box ticked → token
3-D Secure in PAY.JP's frame → the card is saved → a later 後決済請求 charges it with no link;
with the box unticked nothing is saved."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from desktop.domain.billing import BillingState
from desktop.services.directory import ClinicUpdate
from desktop.storage.orm import Patient, SavedCard
from tests.e2e.conftest import Stack, screenshot
from tests.e2e.flows import THANKS, axe_violations, fill_card, pay_with_3ds, watch_popups
from tests.smtp_server import wait_for_messages

SAVE_LABEL = "このカードを次回以降のお支払いに利用する"


def saved_cards(stack: Stack) -> list[SavedCard]:
    with stack.ctx.db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(SavedCard).where(SavedCard.patient_id == stack.front.patient_id)))


def customer_of(stack: Stack) -> str | None:
    with stack.ctx.db.uow(readonly=True) as uow:
        patient = uow.session.get(Patient, stack.front.patient_id)
        assert patient is not None
        return patient.payjp_customer_id


def test_unticked_box_saves_nothing(stack: Stack, page: Any) -> None:
    request_id, url = stack.mailed_link()
    page.goto(url + "?lang=en")  # the consent in English: no Japanese but the clinic's name
    english = page.get_by_label("Use this card for future payments")
    english.check()
    consent = page.locator("#save-card-consent").inner_text()
    assert "may charge this card" in consent
    assert re.sub(r"[\s　]", "", consent.replace("やまだ内科クリニック", "")).isascii()
    screenshot(page, "save-card-en")
    page.goto(url)
    box = page.get_by_label(SAVE_LABEL)
    box.wait_for()
    assert not box.is_checked()  # never ticked for the patient
    fill_card(page)
    pay_with_3ds(page)  # the usual charge 3-D Secure, PAY.JP's page in the same tab
    page.wait_for_url(THANKS)
    assert saved_cards(stack) == [] and customer_of(stack) is None


def test_ticked_box_saves_the_card_after_3ds_and_a_later_request_charges_it(stack: Stack, page: Any) -> None:
    f = stack.front
    request_id, url = stack.mailed_link()
    page.goto(url)
    page.frame_locator("#card-number iframe").locator("input").wait_for()
    fill_card(page)
    page.get_by_label(SAVE_LABEL).check()
    consent = page.locator("#save-card-consent")
    assert "やまだ内科クリニック" in consent.inner_text() and "受付" in consent.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "save-card")
    popups = watch_popups(page)
    page.get_by_role("button", name="支払う ¥1,200").click()
    challenge = page.frame_locator("iframe[title='3-D Secure (PAY.JP simulator)']")
    challenge.get_by_role("button", name="認証する (Authenticate)").click()  # token 3-D Secure, over our page
    page.wait_for_url(THANKS)
    assert not popups, "the checkout opened a pop-up window"
    try:
        cards = saved_cards(stack)
        assert len(cards) == 1 and (cards[0].brand, cards[0].last4) == ("Visa", "4242")
        assert cards[0].consent_request_id == request_id and cards[0].consent_version
        with stack.sim.state.transaction(write=False) as data:
            card = data["cards"][cards[0].card_id]
            assert card["three_d_secure_status"] == "verified"  # 3-D Secure at registration

        stack.ctx.directory.update_clinic(f.manager, f.clinic_id, ClinicUpdate(auto_charge=True))
        stack.ctx.outbox.send_due()  # the first payment's receipt
        mails_before = len(stack.smtp.received)
        outcome = stack.ctx.billing.request_payment(f.reservation_id, f.staff, 2400, "taxable")
        assert outcome.auto_charged and outcome.state is BillingState.PAID
        stack.ctx.outbox.send_due()
        wait_for_messages(stack.smtp, mails_before + 1)
        new = stack.smtp.messages()[mails_before:]
        assert len(new) == 1 and "領収" in str(new[0]["Subject"])  # a receipt, no payment link
        # its 領収書 link opens the receipt, as the receipt of a payment made on this page does
        body = new[0].get_body(preferencelist=("plain",))
        assert body is not None
        receipt = re.search(r"(https?://\S+/pay/[A-Za-z0-9_-]+)/receipt\b", body.get_content())
        assert receipt, "no 領収書 link in the receipt mail"
        page.goto(receipt.group(1) + "/receipt")
        page.get_by_role("button", name="この宛名で領収書を発行する").click()
        page.get_by_text("¥2,400").first.wait_for()
        assert "山田 花子 様" in page.content()
        page.goto(receipt.group(1))  # the link itself: paid, never a card form
        assert page.locator("h1").inner_text() == "お支払い済みです"
        assert page.locator("#card-number").count() == 0
    finally:
        stack.ctx.directory.update_clinic(f.manager, f.clinic_id, ClinicUpdate(auto_charge=False))
        if customer_of(stack):
            stack.ctx.billing.saved_cards.remove_card(f.manager, f.patient_id)
