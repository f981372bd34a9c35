"""The delivery timeline of a request: queued, sent (accepted by the SMTP server), a declined
card with PAY.JP's reason, paid, the receipt mail, a refund."""

from __future__ import annotations

import pytest

from desktop.domain.errors import PaymentError
from desktop.services.timeline import TimelineQueries
from tests.integration.conftest import Desk


def test_a_request_shows_its_mail_a_decline_the_payment_and_a_refund(desk: Desk) -> None:
    f = desk.front
    request_id = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable").request_id
    steps = TimelineQueries(desk.db).for_request(request_id)
    assert [(e.event, e.mail) for e in steps] == [("requested", ""), ("mail_queued", "payment_request")]
    assert steps[0].staff == f.staff.name and steps[0].amount == 1200
    desk.deliver()
    link = desk.link_from_last_mail()
    desk.clock.advance(minutes=5)
    with pytest.raises(PaymentError):
        desk.billing.pay_with_token(link, desk.token("4000000000080319"))
    desk.clock.advance(minutes=5)
    desk.billing.pay_with_token(link, desk.token())
    desk.clock.advance(minutes=5)
    desk.billing.refund(request_id, f.manager, 200, "一部返金")
    events = [(e.event, e.mail, e.code, e.amount) for e in TimelineQueries(desk.db).for_request(request_id)]
    assert events[:4] == [("requested", "", "", 1200), ("mail_queued", "payment_request", "", 0),
                          ("mail_sent", "payment_request", "", 0), ("declined", "", "card_declined", 1200)]
    assert ("paid", "", "", 1200) in events and ("refunded", "", "", 200) in events
    assert events.index(("paid", "", "", 1200)) < events.index(("refunded", "", "", 200))
    assert TimelineQueries(desk.db).for_request(999_999) == []
