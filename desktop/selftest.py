"""``python -m desktop --self-test``: the real app offscreen in a temporary data directory.

Opens every screen and dialog once, checks that the checkout server and the simulator answer,
sends one 後決済請求 through the real services and opens its link. It also exercises what a
frozen build is most likely to lose: the OS keyring backend (a throw-away entry is written, read
back and deleted through ``KeyringSecretStore``), the PostgreSQL driver (``psycopg`` is loaded; with
``CLINICPAY_TEST_PG_URL`` set it connects and asks the server's version), the receipt PDF with its
embedded Japanese font, the compiled translations (Qt ``.qm`` and gettext ``.mo``), the window
icon and the log file. Prints one line and returns 0 when all is well, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pathlib
import secrets
import sys
import tempfile
import time

from desktop.app import ClinicPayApp, run
from desktop.bootstrap import prepare_context
from desktop.config import LocalSettings
from desktop.logs import close_logging, configure_logging, current_log_file
from desktop.services.history import HistoryFilter
from desktop.services.receipts import ReceiptService
from desktop.services.secrets import KeyringSecretStore, MemorySecretStore
from desktop.storage.db import create_db_engine
from desktop.version import version

log = logging.getLogger(__name__)


def run_self_test(qt_args: list[str] | None = None) -> int:
    """Run the self-test on a fresh デモ installation (free ports, keys in memory). Returns the exit code."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    with tempfile.TemporaryDirectory(prefix="clinicpay-selftest-") as tmp:
        data_dir = pathlib.Path(tmp)
        configure_logging(directory=data_dir / "logs")
        log.info("ClinicPay %s self-test", version())
        settings = LocalSettings(checkout_port=0, simulator_port=0)
        try:
            ctx = prepare_context(data_dir, settings, secrets=MemorySecretStore())
            return run(ctx, self_test, qt_args or [], checkout_port=0)
        except Exception as exc:  # noqa: BLE001
            log.exception("self-test crashed")
            print(f"self-test FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        finally:
            close_logging()  # the log file is inside the directory about to be removed


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
    found: dict[str, str] = {}
    for check in (check_keyring, check_postgres, check_receipt_pdf, check_translations, check_icon, check_locale,
                  check_log_file):
        try:
            problem, detail = await asyncio.to_thread(check) if check in _THREAD_CHECKS else check()
        except Exception as exc:  # noqa: BLE001 - a check that crashes is a failed check
            log.exception("self-test check %s crashed", check.__name__)
            problem, detail = f"{check.__name__}: {type(exc).__name__}: {exc}", ""
        if problem:
            problems.append(problem)
        if detail:
            found[check.__name__.removeprefix("check_")] = detail
    await settle()
    if problems:
        print("self-test FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"self-test OK: ClinicPay {version()}, {len(window.pages)} screens, checkout {app.checkout_url}, "
          f"simulator {app.simulator.base_url if app.simulator else '-'}; "
          + ", ".join(f"{name} {detail}" for name, detail in found.items()))
    return 0


Check = tuple[str | None, str]  # (a problem, or None; what was found)


def check_keyring() -> Check:
    """Write, read back and delete a throw-away secret through the OS keyring backend."""
    import keyring

    backend = type(keyring.get_keyring())
    name = f"{backend.__module__}.{backend.__qualname__}"
    store = KeyringSecretStore()
    entry, value = f"self-test-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    try:
        store.set(entry, value)
        read = store.get(entry)
    except Exception as exc:  # noqa: BLE001 - reported, with the backend's name
        return f"keyring {name}: {type(exc).__name__}", name
    finally:
        store.delete(entry)
    if read != value:
        return f"keyring {name} does not keep secrets", name
    return None, name


def check_postgres() -> Check:
    """The PostgreSQL driver loads; with ``CLINICPAY_TEST_PG_URL`` it connects (``SELECT version()``)."""
    import psycopg
    from sqlalchemy import text

    driver = f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__}, libpq {psycopg.pq.version()})"
    url = os.environ.get("CLINICPAY_TEST_PG_URL")
    if not url:
        return None, driver
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            server = str(conn.execute(text("SHOW server_version")).scalar_one())
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL did not answer: {type(exc).__name__}", driver
    finally:
        engine.dispose()
    return None, f"{driver}, server {server}"


def check_receipt_pdf() -> Check:
    """A receipt rendered to PDF in both languages, with the bundled Japanese font embedded."""
    import datetime as dt

    from desktop.domain.billing import TaxCategory
    from desktop.services.checkout.texts import translator
    from desktop.services.receipts import FONT_FILE, ReceiptData

    receipt = ReceiptData(
        request_id=1, clinic_name="セルフテスト診療所", clinic_postal_code="100-0001", clinic_address="東京都",
        clinic_phone="", registration_number="", patient_name="", addressee="確認", issued_count=1,
        menu_name="診察", amount=1200, tax_category=TaxCategory.TAXABLE,
        paid_at=dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.timezone.utc), card_brand="Visa", card_last4="4242",
        refunded_amount=0, refunded_at=None)
    service = ReceiptService(None, translator)  # type: ignore[arg-type]  # rendering reads no database
    font = b"+" + FONT_FILE.split("-")[0].encode()  # the subset's name: "/BaseFont /MPDFAA+BIZUDPGothic"
    sizes = []
    for lang in ("ja", "en"):
        pdf = service.render_pdf(receipt, lang)
        if not pdf.startswith(b"%PDF"):
            return f"receipt PDF ({lang}) is not a PDF", ""
        # fpdf2 writes the font dictionaries uncompressed: "/BaseFont /MPDFAA+BIZUDPGothic", "/FontFile2"
        if font not in pdf or b"/FontFile2" not in pdf:
            return f"receipt PDF ({lang}) does not embed {FONT_FILE}", ""
        sizes.append(len(pdf))
    return None, f"{FONT_FILE} embedded, {sizes[0] // 1024} KB"


def check_translations() -> Check:
    """The compiled English catalogs load and translate: Qt's ``.qm`` and gettext's ``.mo``."""
    from PySide6.QtCore import QCoreApplication

    from desktop.services.checkout.texts import translator
    from desktop.ui import i18n

    previous = i18n.language()
    try:
        i18n.set_language("en")
        qt_text = QCoreApplication.translate("MainWindow", "予約管理")
    finally:
        i18n.set_language(previous)
    if qt_text == "予約管理":
        return f"Qt catalog {i18n.catalog_path('en').name} not loaded", ""
    mail_text = translator("en")("card_payment")  # クレジットカード, through the gettext catalog
    if mail_text == "クレジットカード":
        return "gettext catalog clinicpay.mo (en) not loaded", ""
    return None, f"en: {qt_text!r}, {mail_text!r}"


def check_icon() -> Check:
    """The window icon (an SVG drawn by Qt's SVG plugin) is there."""
    from PySide6.QtWidgets import QApplication

    icon = QApplication.windowIcon()
    if icon.isNull() or icon.pixmap(32, 32).isNull():
        return "the window icon did not load (Qt SVG plugin or resources/icons missing)", ""
    return None, "ok"


def check_locale() -> Check:
    """What Qt takes from ICU (trimmed to the ja/en/root locales in the Linux build): Japanese sort
    order (かな by 五十音, hiragana and katakana together), the Asia/Tokyo time zone, Shift_JIS."""
    import functools

    from PySide6.QtCore import QCollator, QDateTime, QLocale, QStringDecoder, QTimeZone

    collator = QCollator(QLocale(QLocale.Language.Japanese, QLocale.Country.Japan))
    ordered = sorted(["さとう", "いとう", "カトウ", "あおき"], key=functools.cmp_to_key(collator.compare))
    if ordered != ["あおき", "いとう", "カトウ", "さとう"]:
        return f"Japanese sort order wrong: {ordered}", ""
    tokyo = QTimeZone(b"Asia/Tokyo")
    if not tokyo.isValid() or tokyo.offsetFromUtc(QDateTime.currentDateTimeUtc()) != 9 * 3600:
        return "the time zone Asia/Tokyo is not available", ""
    if not QStringDecoder("Shift_JIS").isValid():
        return "no Shift_JIS decoder", ""
    return None, "ja ok"


def check_log_file() -> Check:
    """This run writes its log file."""
    path = current_log_file()
    if path is None or not path.exists() or path.stat().st_size == 0:
        return f"no log file written ({path})", ""
    return None, str(path.name)


_THREAD_CHECKS = (check_keyring, check_postgres, check_receipt_pdf)  # blocking I/O: off the GUI thread


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
