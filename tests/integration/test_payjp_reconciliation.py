"""照合 with PAY.JP against the real simulator, on SQLite and PostgreSQL: a charge made directly at
PAY.JP and a refund made in its dashboard are found; the refund is applied once (the patient
mailed once) even when 照合 runs twice or crashes mid-page; differences show on 要対応 and
leave once resolved; PAY.JP's 429 is waited out."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from payjp import api_requestor
from sqlalchemy import func, select, update

from desktop.domain.billing import BillingState
from desktop.domain.errors import ServiceUnavailableError, StateError
from desktop.domain.staff import PermissionDeniedError
from desktop.services.attention import AttentionKind, AttentionQueries
from desktop.services.billing import payjp_reconciliation as recon
from desktop.services.billing.payjp_reconciliation import PayjpReconciliationService
from desktop.services.timeline import TimelineQueries
from desktop.storage.orm import AuditEvent, BillingRequest, OutboxMail, Refund
from tests.integration.conftest import Desk
from tests.integration.seed import SEED_TENANT


def _service(desk: Desk, **kwargs: Any) -> PayjpReconciliationService:
    return PayjpReconciliationService(
        db=desk.db, gateway_for=lambda clinic: desk.gateway, reconciliation=desk.billing.reconciliation,
        refund_recorder=desk.billing.refund_recorder, clock=desk.clock, page_interval=0, sleep=lambda s: None,
        **kwargs)


def _api(desk: Desk, method: str, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A call made directly at PAY.JP (its dashboard, or another program), not through ClinicPay."""
    req = api_requestor.APIRequestor(key=desk.sim.secret_key, api_base=desk.sim.base_url)
    body, _ = req.request(method, path, params or {})
    return dict(body)


def _paid(desk: Desk) -> tuple[int, str]:
    f = desk.front
    request_id = desk.billing.request_payment(f.reservation_id, f.staff, 3300, "taxable").request_id
    desk.deliver()
    desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    with desk.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None and req.charge_id is not None
        return request_id, req.charge_id


def _direct_charge(desk: Desk, amount: int = 2000) -> str:
    charge = _api(desk, "post", "/v1/charges", {"amount": amount, "currency": "jpy", "card": desk.token(),
                                                "tenant": SEED_TENANT})
    return str(charge["id"])


def _count(desk: Desk, model: Any, *where: Any) -> int:
    with desk.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _refund_mails(desk: Desk) -> int:
    return _count(desk, OutboxMail, OutboxMail.kind == "refund")


def test_a_dashboard_refund_is_applied_once_and_the_patient_told_once(desk: Desk) -> None:
    request_id, charge_id = _paid(desk)
    _api(desk, "post", f"/v1/charges/{charge_id}/refund", {"amount": 1000})  # in PAY.JP's dashboard
    desk.clock.advance(minutes=2)
    service = _service(desk)
    first = service.run(desk.front.manager, desk.front.clinic_id)
    assert (first.refunds_applied, first.finished, first.open_differences) == (1, True, 0)
    assert first.charges >= 1
    second = service.run(desk.front.accountant, desk.front.clinic_id)  # run twice: nothing more
    assert second.refunds_applied == 0
    with desk.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None
        assert (req.state, req.refunded_amount) == (BillingState.PARTIALLY_REFUNDED, 1000)
    assert _count(desk, Refund) == 1 and _refund_mails(desk) == 1
    mail = desk.deliver()[-1]
    assert "返金" in str(mail["Subject"])
    assert ("refunded", 1000) in [(e.event, e.amount) for e in TimelineQueries(desk.db).for_request(request_id)]
    assert _count(desk, AuditEvent, AuditEvent.action == "refund_observed") == 1
    assert _count(desk, AuditEvent, AuditEvent.action == "payjp_reconciled") == 2
    # the webhook of the same refund arriving afterwards changes nothing either
    assert desk.billing.events.handle({"id": "evnt_late", "type": "charge.refunded",
                                       "data": {"id": charge_id}}).value == "settled"
    assert _count(desk, Refund) == 1 and _refund_mails(desk) == 1


def test_a_charge_unknown_to_clinicpay_is_listed_with_what_to_do_and_leaves_once_refunded(desk: Desk) -> None:
    _paid(desk)
    unknown = _direct_charge(desk, 2000)
    desk.clock.advance(minutes=2)
    service = _service(desk)
    report = service.run(desk.front.manager, desk.front.clinic_id)
    assert report.open_differences == 1
    [difference] = service.differences(desk.front.clinic_id)
    assert (difference.kind, difference.charge_id, difference.request_id) == ("unknown_charge", unknown, None)
    assert difference.params["amount"] == 2000 and difference.params["card"].endswith("4242")
    items = [i for i in AttentionQueries(desk.db, desk.clock).items(desk.front.clinic_id)
             if i.kind is AttentionKind.RECONCILIATION]
    assert len(items) == 1 and items[0].request_id is None and items[0].amount == 2000
    assert unknown in items[0].reason("ja") and "記録にない決済" in items[0].reason("ja")
    assert unknown in items[0].reason("en") and "no record" in items[0].reason("en")
    service.run(desk.front.manager, desk.front.clinic_id)  # found again: still one item
    assert len(service.differences(desk.front.clinic_id)) == 1
    _api(desk, "post", f"/v1/charges/{unknown}/refund")  # the clinic refunds it in PAY.JP's dashboard
    service.run(desk.front.manager, desk.front.clinic_id)
    assert service.differences(desk.front.clinic_id) == []
    assert not [i for i in AttentionQueries(desk.db, desk.clock).items(desk.front.clinic_id)
                if i.kind is AttentionKind.RECONCILIATION]


def test_a_difference_marked_checked_leaves_for_good(desk: Desk) -> None:
    _direct_charge(desk, 1500)
    desk.clock.advance(minutes=2)
    service = _service(desk)
    service.run(desk.front.accountant, desk.front.clinic_id)
    [difference] = service.differences(desk.front.clinic_id)
    with pytest.raises(PermissionDeniedError):
        service.mark_checked(desk.front.staff, difference.id)
    with pytest.raises(PermissionDeniedError):
        service.run(desk.front.staff, desk.front.clinic_id)
    service.mark_checked(desk.front.accountant, difference.id)
    assert service.differences(desk.front.clinic_id) == []
    service.run(desk.front.manager, desk.front.clinic_id)
    assert service.differences(desk.front.clinic_id) == []  # a later 照合 does not bring it back
    assert _count(desk, AuditEvent, AuditEvent.action == "difference_checked") == 1


def test_amounts_and_refunds_that_differ_are_listed(desk: Desk) -> None:
    request_id, charge_id = _paid(desk)
    with desk.db.uow() as uow:  # ClinicPay's record says otherwise than PAY.JP (e.g. restored from an old backup)
        uow.session.execute(update(BillingRequest).where(BillingRequest.id == request_id)
                            .values(amount=3000, refunded_amount=500, state=BillingState.PARTIALLY_REFUNDED))
        uow.commit()
    desk.clock.advance(minutes=2)
    service = _service(desk)
    service.run(desk.front.manager, desk.front.clinic_id)
    found = {d.kind: d for d in service.differences(desk.front.clinic_id)}
    assert set(found) == {"amount_mismatch", "refund_mismatch"}
    assert found["amount_mismatch"].params["payjp_amount"] == 3300 and found["amount_mismatch"].params["amount"] == 3000
    assert found["refund_mismatch"].request_id == request_id
    items = [i for i in AttentionQueries(desk.db, desk.clock).items(desk.front.clinic_id)
             if i.kind is AttentionKind.RECONCILIATION]
    assert {i.request_id for i in items} == {request_id}
    assert "3,300" in items[0].reason("ja") or "3,300" in items[1].reason("ja")
    with desk.db.uow() as uow:
        uow.session.execute(update(BillingRequest).where(BillingRequest.id == request_id)
                            .values(amount=3300, refunded_amount=0, state=BillingState.PAID))
        uow.commit()
    service.run(desk.front.manager, desk.front.clinic_id)
    assert service.differences(desk.front.clinic_id) == []  # both resolved: they leave 要対応


def test_a_crash_mid_page_resumes_on_that_page_and_applies_the_refund_once(desk: Desk,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    request_id, charge_id = _paid(desk)
    for amount in (1100, 1200, 1300):
        _direct_charge(desk, amount)
    _api(desk, "post", f"/v1/charges/{charge_id}/refund", {"amount": 300})  # refunded in the dashboard
    desk.clock.advance(minutes=2)
    monkeypatch.setattr(recon, "PAGE_SIZE", 2)
    offsets: list[int] = []
    real_list = desk.gateway.list_charges

    def listing(**kwargs: Any) -> Any:
        offsets.append(kwargs["offset"])
        return real_list(**kwargs)

    monkeypatch.setattr(desk.gateway, "list_charges", listing)
    service = _service(desk)
    real_advance = service._advance
    crashed: list[int] = []

    def crash_on_the_page_with_the_refund(clinic_id: int, position: int, count: int, found: Any, **kw: Any) -> bool:
        if charge_id in found and not crashed:
            crashed.append(position)
            raise RuntimeError("the PC lost power")
        return real_advance(clinic_id, position, count, found, **kw)

    monkeypatch.setattr(service, "_advance", crash_on_the_page_with_the_refund)
    with pytest.raises(RuntimeError):
        service.run(desk.front.manager, desk.front.clinic_id)
    assert _refund_mails(desk) == 1  # applied before the crash
    done_before = [o for o in offsets]
    report = service.run(desk.front.manager, desk.front.clinic_id)
    assert report.finished and report.refunds_applied == 0
    assert offsets[len(done_before)] == crashed[0]  # resumed on the page it was on, not from the start
    assert _count(desk, Refund) == 1 and _refund_mails(desk) == 1
    with desk.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None and req.refunded_amount == 300
    assert len(service.differences(desk.front.clinic_id)) == 3  # the three charges made at PAY.JP directly
    # another PC (a new process) finds the run finished and starts a fresh one from the first page
    offsets.clear()
    _service(desk).run(desk.front.manager, desk.front.clinic_id)
    assert offsets[0] == 0


def test_another_pc_running_it_is_said_and_a_stale_run_is_taken_over(desk: Desk,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _direct_charge(desk, 1000)
    desk.clock.advance(minutes=2)
    first, second = _service(desk), _service(desk)
    monkeypatch.setattr(first, "_advance", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash")))
    with pytest.raises(RuntimeError):
        first.run(desk.front.manager, desk.front.clinic_id)
    with pytest.raises(StateError) as busy:
        second.run(desk.front.manager, desk.front.clinic_id)
    assert busy.value.code == "recon_running"
    desk.clock.advance(minutes=6)  # the first PC wrote nothing for longer than STALE_AFTER
    assert second.run(desk.front.manager, desk.front.clinic_id).finished
    assert second.status(desk.front.clinic_id).last_finished_at == desk.clock()


def test_429_from_payjp_is_waited_out(desk: Desk) -> None:
    _direct_charge(desk, 1000)
    desk.clock.advance(minutes=2)
    desk.sim.state.faults.fail_next(2, status=429, method="GET", path_prefix="/v1/charges")
    report = _service(desk).run(desk.front.manager, desk.front.clinic_id)
    assert report.finished and report.open_differences == 1


def test_payjp_busy_past_the_retries_stops_the_run_and_the_next_one_resumes(desk: Desk,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for amount in (1000, 1100, 1200):
        _direct_charge(desk, amount)
    desk.clock.advance(minutes=2)
    monkeypatch.setattr(recon, "PAGE_SIZE", 2)
    service = _service(desk)
    desk.sim.state.faults.fail_next(1, status=429, method="GET", path_prefix="/v1/charges")  # waited out
    first_page = desk.gateway.list_charges

    def busy_after_the_first_page(**kwargs: Any) -> Any:
        if kwargs["offset"] > 0:
            desk.sim.state.faults.fail_next(desk.gateway.config.max_retries_429 + 1, status=429, method="GET",
                                            path_prefix="/v1/charges")
        return first_page(**kwargs)

    monkeypatch.setattr(desk.gateway, "list_charges", busy_after_the_first_page)
    with pytest.raises(ServiceUnavailableError) as busy:
        service.run(desk.front.manager, desk.front.clinic_id)
    assert busy.value.code == "payjp_busy"
    assert len(service.differences(desk.front.clinic_id)) == 2  # the first page is kept
    assert service.status(desk.front.clinic_id).running
    monkeypatch.setattr(desk.gateway, "list_charges", first_page)
    report = service.run(desk.front.manager, desk.front.clinic_id)
    assert report.finished and report.charges == 1  # only the page that was left
    assert len(service.differences(desk.front.clinic_id)) == 3


def test_the_periodic_run_is_due_every_six_hours(desk: Desk) -> None:
    _direct_charge(desk, 1000)
    desk.clock.advance(minutes=2)
    service = _service(desk)
    assert service.run_due() == 1
    assert service.run_due() == 0  # done a moment ago
    desk.clock.advance(hours=6, minutes=1)
    assert service.run_due() == 1
    assert json.loads(json.dumps(service.status(desk.front.clinic_id).last_charges)) >= 1


def _pc(db_url: str, sim_url: str, key: str, actor: Any, clinic_id: int, now: Any, barrier: Any,
        results: Any) -> None:
    """Another reception PC: its own process, database connection and PAY.JP client."""
    from desktop.domain.errors import UserError
    from desktop.services.billing import BillingService
    from desktop.services.payjp_gateway import PayjpConfig, PayjpGateway
    from desktop.storage.db import create_db_engine
    from desktop.storage.unit_of_work import Database

    db = Database(create_db_engine(db_url))
    try:
        gateway = PayjpGateway(PayjpConfig(api_base=sim_url, secret_key=key, timeout=5.0))
        billing = BillingService(db, lambda clinic: gateway, clock=lambda: now, page_interval=0)
        barrier.wait(timeout=60)
        try:
            report = billing.payjp_reconciliation.run(actor, clinic_id)
            results.put(("ok", report.refunds_applied))
        except UserError as exc:
            results.put((exc.code, 0))
    finally:
        db.dispose()


def test_two_pcs_reconciling_at_once_apply_a_dashboard_refund_once(desk: Desk, db_url: str) -> None:
    import multiprocessing

    request_id, charge_id = _paid(desk)
    _api(desk, "post", f"/v1/charges/{charge_id}/refund", {"amount": 3300})
    now = desk.clock() + recon.UNTIL_LAG * 2
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    pcs = [spawn.Process(target=_pc, args=(db_url, desk.sim.base_url, desk.sim.secret_key, desk.front.manager,
                                           desk.front.clinic_id, now, barrier, results)) for _ in range(2)]
    for p in pcs:
        p.start()
    for p in pcs:
        p.join(timeout=120)
        assert p.exitcode == 0
    outcomes = sorted(results.get(timeout=5) for _ in pcs)
    assert sum(applied for _, applied in outcomes) == 1, outcomes
    assert {code for code, _ in outcomes} <= {"ok", "recon_running"}
    assert _count(desk, Refund) == 1 and _refund_mails(desk) == 1
    with desk.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None and req.state is BillingState.REFUNDED


def test_a_payment_paid_here_that_payjp_does_not_have_is_listed(desk: Desk) -> None:
    request_id, charge_id = _paid(desk)
    with desk.db.uow() as uow:  # paid two days ago with a charge PAY.JP does not know (e.g. another tenant's)
        uow.session.execute(update(BillingRequest).where(BillingRequest.id == request_id).values(
            charge_id="ch_not_at_payjp", paid_at=desk.clock() - dt.timedelta(days=2)))
        uow.commit()
    desk.clock.advance(minutes=2)
    service = _service(desk)
    service.run(desk.front.manager, desk.front.clinic_id)
    found = {d.kind: d for d in service.differences(desk.front.clinic_id)}
    # the real charge carries the request's attempt: a second payment of a request paid "by another"
    assert set(found) == {"not_paid_at_payjp", "duplicate_charge"}
    assert found["not_paid_at_payjp"].request_id == request_id
    assert found["not_paid_at_payjp"].charge_id == "ch_not_at_payjp"
    assert found["duplicate_charge"].charge_id == charge_id
    items = [i for i in AttentionQueries(desk.db, desk.clock).items(desk.front.clinic_id)
             if i.code == "recon_not_paid_at_payjp"]
    assert items and "ch_not_at_payjp" in items[0].reason("en") and items[0].request_id == request_id
