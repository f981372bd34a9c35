"""``python -m desktop --self-test``: the real app offscreen in a temporary data directory.

Opens every screen and dialog once, checks that the checkout server and the simulator answer,
sends one 後決済請求 through the real services and opens its link. Prints one line and returns
0 when all is well, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pathlib
import sys
import tempfile
import time

from desktop.app import ClinicPayApp, run
from desktop.bootstrap import prepare_context
from desktop.config import LocalSettings
from desktop.services.history import HistoryFilter
from desktop.services.secrets import MemorySecretStore

log = logging.getLogger(__name__)


def run_self_test(qt_args: list[str] | None = None) -> int:
    """Run the self-test on a fresh デモ installation (free ports, keys in memory). Returns the exit code."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    logging.basicConfig(level=os.environ.get("CLINICPAY_LOG", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="clinicpay-selftest-") as tmp:
        data_dir = pathlib.Path(tmp)
        settings = LocalSettings(checkout_port=0, simulator_port=0)
        try:
            ctx = prepare_context(data_dir, settings, secrets=MemorySecretStore())
            return run(ctx, self_test, qt_args or [], checkout_port=0)
        except Exception as exc:  # noqa: BLE001
            log.exception("self-test crashed")
            print(f"self-test FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1


async def self_test(app: ClinicPayApp) -> int:
    """Open every screen and dialog once; check the checkout server and the simulator answer."""
    from PySide6.QtWidgets import QDialog

    from desktop.ui import async_ops
    from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
    from desktop.ui.dialogs.refund_dialog import RefundDialog
    from desktop.ui.dialogs.reservation_dialog import ReservationDialog

    async def settle(timeout: float = 10.0) -> None:
        # Never QApplication.processEvents() inside a coroutine: qasync would then wake other
        # tasks re-entrantly ("Cannot enter into task …") and they would never run again.
        end = time.monotonic() + timeout
        while async_ops.pending() and time.monotonic() < end:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)  # let Qt paint (the loop processes Qt events while we wait)

    problems: list[str] = []
    # サインイン as the demo's 管理者, through the sign-in screen
    dialog = app.sign_in_dialog
    if dialog is None:
        problems.append("no sign-in screen")
    else:
        from desktop.services.demo_accounts import DEMO_ACCOUNTS

        manager = DEMO_ACCOUNTS[0]
        combo = dialog.staff_combo
        combo.setCurrentIndex(next((i for i in range(combo.count()) if combo.itemText(i).startswith(manager.name)), 0))
        dialog.secret_edit.setText(manager.password)
        dialog.submit()
        end = time.monotonic() + 20
        while app.window is None and time.monotonic() < end:
            await asyncio.sleep(0.05)
        await settle()
    if app.window is None:
        print("self-test FAILED: could not sign in", file=sys.stderr)
        return 1
    if app.checkout is None or not app.checkout.running:
        problems.append("checkout server not running")
    if app.simulator is None or not app.simulator.running:
        problems.append("simulator not running")
    for server, path in ((app.checkout, "/healthz"), (app.simulator, "/v1/charges")):
        if server is None or not server.running:
            continue
        status = await _http_status(server.base_url + path)
        if status not in (200, 401):
            problems.append(f"{server.base_url}{path} answered {status}")
    window = app.window
    for key in list(window.pages):
        window.show_page(key)
        await settle()
    session = app.session
    actions = session.actions
    rows = await actions.reservations(session.clinic.id, None)
    if rows:
        detail = await actions.reservation(rows[0].id)
        dialogs: list[QDialog] = [PaymentRequestDialog(detail, window)]
        patients = await actions.patients(session.clinic.id)
        menus = await actions.menus(session.clinic.id)
        dialogs.append(ReservationDialog(patients, menus, rows[0].starts_at.date(), window))
        history = await actions.history_page(session.clinic.id, HistoryFilter(), 0, 1)
        if history:
            dialogs.append(RefundDialog(history[0], window))
        for dialog in dialogs:
            dialog.show()
            await asyncio.sleep(0.05)
            dialog.close()
            dialog.deleteLater()
    else:
        problems.append("no reservations in the demo data")
    problems.extend(await _check_payment_link(app))
    await settle()
    if problems:
        print("self-test FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"self-test OK: {len(window.pages)} screens, checkout {app.checkout_url}, "
          f"simulator {app.simulator.base_url if app.simulator else '-'}")
    return 0


async def _check_payment_link(app: ClinicPayApp) -> list[str]:
    """Send one 後決済請求 through the real services and open its link on the checkout server."""
    session = app.session
    actions = session.actions
    rows = await actions.reservations(session.clinic.id, None)
    for row in rows:
        detail = await actions.reservation(row.id)
        if detail is not None and detail.can_request_post_payment and detail.patient.email:
            break
    else:
        return ["no reservation allows a post-payment request"]
    await actions.request_payment(detail.id, session.actor, 1200, "taxable")
    await actions.send_due_mail()
    mails = await actions.demo_mails()
    links = [(await actions.demo_mail(m.key)).first_link for m in mails]
    link = next((x for x in links if x and "/pay/" in x), None)
    if link is None:
        return ["the payment request mail has no payment link"]
    status = await _http_status(link)
    return [] if status == 200 else [f"payment page {link.split('/pay/')[0]}/pay/… answered {status}"]


async def _http_status(url: str) -> int:
    """GET ``url`` without blocking the loop (no HTTP client in the UI process needed)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port), 5)
    writer.write(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    return int(line.split()[1])
