"""Does the window freeze while PAY.JP is slow? The simulator adds 2 s to every call.

    QT_QPA_PLATFORM=offscreen python benchmarks/ui_stall.py

Drives the real screens: 後決済請求 from the reservation detail, the patient pays, then 返金する
from 決済管理. A 5 ms QTimer measures how late the Qt event loop serves it; prints one JSON
line with worst_stall_ms (goal: < 50) and how long the slow operations took.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

LATENCY_S = 2.0
TICK_MS = 5


async def scenario() -> dict[str, object]:
    from PySide6.QtCore import QTimer

    from desktop.app import ClinicPayApp, prepare_context
    from desktop.config import LocalSettings
    from desktop.services.demo_mailbox import DemoMailbox, extract_content
    from desktop.services.payment_setup import DEMO_SECRET_KEY
    from desktop.services.secrets import MemorySecretStore
    from desktop.simulator.testing import make_test_token
    from desktop.ui import async_ops
    from desktop.ui.dialogs.payment_request_dialog import PaymentRequestInput
    from desktop.ui.dialogs.refund_dialog import RefundInput
    from desktop.ui.pages.billing_page import BillingPage
    from desktop.ui.pages.reservations_page import ReservationsPage
    from desktop.domain.billing import TaxCategory

    data_dir = pathlib.Path(tempfile.mkdtemp(prefix="clinicpay-stall-"))
    ctx = prepare_context(data_dir, LocalSettings(checkout_port=0, simulator_port=0), secrets=MemorySecretStore())
    app = ClinicPayApp(ctx, checkout_port=0)
    await app.start(show=True)
    app.simulator_state.faults.add_latency(LATENCY_S)

    stalls: list[float] = []
    last = [time.perf_counter()]
    measuring = [False]

    def tick() -> None:
        now = time.perf_counter()
        if measuring[0]:
            stalls.append((now - last[0]) * 1000 - TICK_MS)
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    timer.start()

    async def idle() -> None:
        while async_ops.pending():
            await asyncio.sleep(0.01)

    try:
        await asyncio.sleep(0.5)
        await idle()
        measuring[0] = True
        page = app.window.show_page("予約管理")
        assert isinstance(page, ReservationsPage)
        await idle()
        row = next(i for i in range(page.model.rowCount()) if "一般診療" in str(page.model.index(i, 3).data()))
        page.view.selectRow(row)
        await idle()
        while page.detail.detail is None:
            await asyncio.sleep(0.01)
        t0 = time.perf_counter()
        page.detail.send_request(PaymentRequestInput(1200, TaxCategory.TAXABLE, "金額が確定しました"))
        await idle()
        request_s = time.perf_counter() - t0

        await ctx.runner.mail(ctx.outbox.send_due)
        box = DemoMailbox(ctx.data_dir / "mailbox")
        mails = await ctx.runner.db(box.list_messages)
        link = next(x for x in (extract_content(box.get(m.key)).first_link for m in mails) if x and "/pay/" in x)
        base = app.simulator.base_url

        def pay() -> None:
            ctx.billing.pay_with_token(link.rsplit("/pay/", 1)[1], make_test_token(base, DEMO_SECRET_KEY))

        t0 = time.perf_counter()
        await ctx.runner.payments(pay)  # the patient, through the slow PAY.JP
        pay_s = time.perf_counter() - t0

        billing = app.window.show_page("決済管理")
        assert isinstance(billing, BillingPage)
        billing.apply_filter()
        await idle()
        paid = billing.model.row_at(0)
        assert paid is not None and paid.refundable, paid
        t0 = time.perf_counter()
        billing.run_refund(paid, RefundInput(None, "benchmark"))
        await idle()
        refund_s = time.perf_counter() - t0
        after = await ctx.runner.db(app.session.history.get, paid.id)
        measuring[0] = False
    finally:
        timer.stop()
        await app.stop()
        ctx.close()
    return dict(worst_stall_ms=round(max(stalls), 1), ticks=len(stalls), latency_s=LATENCY_S,
                request_s=round(request_s, 2), patient_pay_s=round(pay_s, 2), refund_s=round(refund_s, 2),
                refund_state=after.state.value if after else None)


def main() -> int:
    logging.disable(logging.WARNING)
    import qasync
    from PySide6.QtWidgets import QApplication

    qapp = QApplication.instance() or QApplication([])
    qapp.setQuitOnLastWindowClosed(False)
    result = qasync.run(scenario())
    print(json.dumps(result, ensure_ascii=False))
    return 0 if float(result["worst_stall_ms"]) < 50 else 1  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
