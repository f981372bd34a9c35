"""要対応 in the window: the count on its sidebar entry, an item that opens its request in 決済管理,
and the item leaving once resolved."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from desktop.domain.clinic import MailStatus
from desktop.storage.orm import OutboxMail, Reservation
from desktop.ui.pages.attention_page import AttentionPage

from .conftest import run, wait_for


def test_a_failed_mail_is_listed_opens_its_request_and_leaves_when_resolved(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    ctx = clinic_app.ctx
    page = w.show_page("要対応")
    assert isinstance(page, AttentionPage)
    page.reload()
    wait_for(qtbot, lambda: not page.empty_label.isHidden() or page.table.rowCount() > 0)
    before = page.table.rowCount()
    with ctx.db.uow(readonly=True) as uow:
        reservation_id = uow.session.scalars(select(Reservation.id).order_by(Reservation.id.desc())).first()
    outcome = run(qtbot, ctx.runner.payments(ctx.billing.request_payment, reservation_id, w.session.actor, 3300,
                                             "taxable", additional=True))
    with ctx.db.uow() as uow:  # the server refused the request mail for good
        uow.session.execute(update(OutboxMail).where(OutboxMail.billing_request_id == outcome.request_id)
                            .values(status=MailStatus.FAILED, last_error="mail_recipient_refused"))
        uow.commit()
    w.session.events.billing_changed.emit()
    wait_for(qtbot, lambda: page.table.rowCount() == before + 1)
    row = next(i for i, item in enumerate(page.items) if item.request_id == outcome.request_id)
    assert page.table.item(row, 0).text() == "送信失敗"
    assert page.table.item(row, 2).text() == "¥3,300"
    assert "メールアドレスを確認して再請求" in page.table.item(row, 3).text()
    nav_text = w.nav.item(list(w.pages).index("要対応")).text()
    assert nav_text == f"要対応（{before + 1}）"

    page.open_row(row)
    billing = w.current_page()
    assert billing is w.pages["決済管理"]
    wait_for(qtbot, lambda: billing.model.total == 1)

    with ctx.db.uow() as uow:
        uow.session.execute(update(OutboxMail).where(OutboxMail.billing_request_id == outcome.request_id)
                            .values(status=MailStatus.SENT))
        uow.commit()
    page.reload()
    wait_for(qtbot, lambda: page.table.rowCount() == before)


def test_the_kinds_are_named_as_the_specification_names_them() -> None:
    """SCREENS.md (☰ › 決済管理 › 要対応): 「期限切れ間近, 返金期限間近, 返金が必要, 送信失敗, 照合の差異, 処理中のまま,
    カード拒否」, word for word, one per kind."""
    from desktop.services.attention import AttentionKind
    from desktop.ui.pages.attention_page import KIND_LABELS

    spec = {"期限切れ間近", "返金期限間近", "返金が必要", "送信失敗", "照合の差異", "処理中のまま", "カード拒否"}
    assert set(KIND_LABELS) == set(AttentionKind)
    assert set(KIND_LABELS.values()) == spec
