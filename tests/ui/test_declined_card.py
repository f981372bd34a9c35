"""A declined card at the desk: the reservation's 請求履歴 marks the unpaid request カード拒否 and says when
and why under the list, until the patient pays; 要対応 names it カード拒否 (SCREENS.md), in Japanese and English."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.domain.errors import PaymentError
from desktop.domain.formatting import format_jst_datetime
from desktop.services.payment_setup import DEMO_SECRET_KEY
from desktop.simulator.testing import make_test_token
from desktop.ui.pages.attention_page import AttentionPage
from desktop.ui.pages.reservations_page import ReservationsPage

from .conftest import pay_link, payment_links, run, texts, wait_for, wait_idle
from .test_english import _english, data_strings, japanese_left

DECLINED_CARD = "4000000000080319"  # PAY.JP's test card for card_declined (PAYJP-REFERENCE.md)


def _declined_request(qtbot: Any, app: Any) -> tuple[ReservationsPage, str]:
    """予約管理 showing 山田 花子's 一般診療 with a ¥2,200 request her card was declined on; its link."""
    page = app.window.show_page("予約管理")
    assert isinstance(page, ReservationsPage)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    row = next(i for i, t in enumerate(texts(page.view, 3)) if "一般診療" in t)
    page.view.selectRow(row)
    wait_for(qtbot, lambda: page.detail.detail is not None and "一般診療" in page.detail.detail.menu.name)
    ctx, actor = app.ctx, app.window.session.actor
    run(qtbot, ctx.runner.payments(ctx.billing.request_payment, page.detail.detail.id, actor, 2200, "taxable"))
    wait_for(qtbot, lambda: texts(page.detail.history_view, 5) == ["未決済"])
    assert page.detail.decline_notice.isHidden()
    link = payment_links(app)[0]
    base = app.simulator.base_url

    def pay_declined() -> None:
        with pytest.raises(PaymentError):
            ctx.billing.pay_with_token(link.rsplit("/pay/", 1)[1], make_test_token(base, DEMO_SECRET_KEY, DECLINED_CARD))

    run(qtbot, ctx.runner.payments(pay_declined))  # the patient's card is declined on the checkout page
    return page, link


def test_a_declined_card_shows_in_the_reservation_until_paid(qtbot: Any, clinic_app: Any) -> None:
    page, link = _declined_request(qtbot, clinic_app)
    d = page.detail
    # nobody presses anything: the desk learns of it as of any change made on the checkout page
    wait_for(qtbot, lambda: texts(d.history_view, 5) == ["未決済・カード拒否"])
    notice = d.decline_notice
    assert not notice.isHidden()
    row = d.history_model.rows()[0]
    assert row.declined_at is not None
    when = format_jst_datetime(row.declined_at, "ja")
    assert notice.full_text() == f"カード拒否（¥2,200・{when}）: カードが利用できませんでした。別のカードをお試しいただくか、カード会社へお問い合わせください。"
    assert f"\n{when}、患者様のカードが通りませんでした: " in notice.toolTip()
    tip = d.history_model.index(0, 5).data(0x03)  # ToolTipRole
    assert "カードが利用できませんでした" in tip

    attention = clinic_app.window.show_page("要対応")
    assert isinstance(attention, AttentionPage)
    attention.reload()
    wait_for(qtbot, lambda: any(attention.table.item(r, 0).text() == "カード拒否"
                                for r in range(attention.table.rowCount())))

    clinic_app.window.show_page("予約管理")
    pay_link(qtbot, clinic_app, link)  # another card goes through
    wait_for(qtbot, lambda: texts(d.history_view, 5) == ["決済済み"])
    assert d.decline_notice.isHidden()


def test_a_declined_card_in_english(qtbot: Any, clinic_app: Any) -> None:
    _declined_request(qtbot, clinic_app)
    w = _english(qtbot, clinic_app)
    page = w.show_page("予約管理")
    wait_for(qtbot, lambda: page.detail.detail is not None and page.detail.history_model.rowCount() == 1)
    d = page.detail
    wait_for(qtbot, lambda: not d.decline_notice.isHidden())
    assert texts(d.history_view, 5) == ["Unpaid · Card declined"]
    when = format_jst_datetime(d.history_model.rows()[0].declined_at, "en")
    assert d.decline_notice.full_text() == (f"Card declined (¥2,200, {when}): The card was declined. Try another card or "
                                       "contact your card issuer.")
    assert f"\nOn {when} the patient's card did not go through: " in d.decline_notice.toolTip()
    assert japanese_left(d, data_strings(clinic_app)) == []
    attention = w.show_page("要対応")
    attention.reload()
    wait_idle(qtbot)
    assert "Card declined" in [attention.table.item(r, 0).text() for r in range(attention.table.rowCount())]
