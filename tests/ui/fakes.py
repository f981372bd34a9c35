"""A fake ``DeskActions`` for page tests that do not need the whole application.

Holds 決済管理 rows in memory and records what the page asked for; each coroutine yields once,
as the real one does while a thread pool works. Only what the pages under test call is here:
another call fails loudly with AttributeError.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any

from desktop.domain.billing import BillingState, RequestKind, TaxCategory, state_after_refund
from desktop.domain.clinic import PaymentMode, StaffRole
from desktop.domain.staff import Actor
from desktop.services.billing import RefundOutcome
from desktop.services.front_desk import ClinicInfo
from desktop.services.history import HistoryFilter, HistoryRow
from desktop.ui.session import DataEvents, UiSession

CLINIC = ClinicInfo(id=1, name="テスト内科", payment_mode=PaymentMode.DEMO, payment_usable=True,
                    public_base_url="http://127.0.0.1:8470")
MANAGER_ID = 1
RECEPTIONIST_ID = 2


def paid_row(request_id: int, amount: int, patient: str = "山田 花子", *, refunded: int = 0) -> HistoryRow:
    """A paid 後決済 request of ``amount`` whole yen, ``refunded`` yen of it already refunded."""
    at = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.timezone.utc)
    return HistoryRow(
        id=request_id, reservation_id=100 + request_id, requested_at=at, paid_at=at + dt.timedelta(minutes=5),
        amount=amount, staff_name="院長 桜井", message="", state=state_after_refund(amount, refunded),
        patient_name=patient, menu_name="一般診療", refunded_amount=refunded,
        last_refunded_at=at if refunded else None, kind=RequestKind.POST_PAYMENT, tax_category=TaxCategory.TAXABLE,
    )


class FakeDeskActions:
    """In-memory 決済管理 list; ``refunds`` records each refund asked for.

    Args:
        rows: the requests the list shows.
        refund_error: raised by ``refund`` instead of refunding (e.g. a ``PaymentError`` from PAY.JP).
    """

    def __init__(self, rows: list[HistoryRow], *, refund_error: Exception | None = None) -> None:
        self.rows = {r.id: r for r in rows}
        self.refund_error = refund_error
        self.refunds: list[tuple[int, int, int | None, str]] = []

    def _matching(self, f: HistoryFilter) -> list[HistoryRow]:
        rows = sorted(self.rows.values(), key=lambda r: r.requested_at, reverse=True)
        return [r for r in rows if (not f.states or r.state in f.states) and r.patient_name.startswith(f.patient)]

    async def history_count(self, clinic_id: int, f: HistoryFilter) -> int:
        await asyncio.sleep(0)
        return len(self._matching(f))

    async def history_page(self, clinic_id: int, f: HistoryFilter, offset: int, limit: int, *,
                           total: int | None = None) -> list[HistoryRow]:
        await asyncio.sleep(0)
        return self._matching(f)[offset:offset + limit]

    async def staff_names(self, clinic_id: int) -> list[tuple[int, str]]:
        await asyncio.sleep(0)
        return [(MANAGER_ID, "院長 桜井"), (RECEPTIONIST_ID, "受付 佐々木")]

    async def pending_refunds(self, clinic_id: int) -> list[Any]:
        await asyncio.sleep(0)
        return []

    async def refund(self, request_id: int, actor: Actor, amount: int | None, reason: str, *,
                     approver: Actor | None = None) -> RefundOutcome:
        await asyncio.sleep(0)
        self.refunds.append((request_id, actor.staff_id, amount, reason))
        if self.refund_error is not None:
            raise self.refund_error
        row = self.rows[request_id]
        value = row.remaining if amount is None else amount
        total = row.refunded_amount + value
        state = state_after_refund(row.amount, total)
        self.rows[request_id] = dataclasses.replace(row, refunded_amount=total, state=state,
                                                    last_refunded_at=row.paid_at)
        return RefundOutcome(request_id=request_id, refund_id=f"re_fake_{len(self.refunds)}", amount=value,
                             refunded_total=total, state=state)


def fake_session(actions: Any, staff_id: int = MANAGER_ID) -> UiSession:
    """A signed-in session over ``actions`` (staff 1 is the 管理者, staff 2 a 受付スタッフ)."""
    role = StaffRole.MANAGER if staff_id == MANAGER_ID else StaffRole.STAFF
    name = "院長 桜井" if staff_id == MANAGER_ID else "受付 佐々木"
    return UiSession(actions, CLINIC, Actor(staff_id, CLINIC.id, role, name), DataEvents())
