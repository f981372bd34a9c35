"""``python -m desktop checkout-server --port N [--database-url URL]``: the checkout pages alone.

For a clinic that hosts the patient pages on a server behind a TLS proxy. The database is
created and migrated on start. The public base URL (what goes into the e-mails) is the
clinic's setting; ``--public-base-url`` stores it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import pathlib
import signal

from desktop.config import LocalSettings
from desktop.paths import default_data_dir
from desktop.services.checkout.app import checkout_services_from_context, create_checkout_app
from desktop.bootstrap import build_context
from desktop.services.context import AppContext
from desktop.domain.errors import UserError
from desktop.asgi_server import EmbeddedServer

log = logging.getLogger(__name__)

RECONCILE_INTERVAL = 60.0  # seconds, as in the desktop app


async def reconcile_every(ctx: AppContext, seconds: float) -> None:
    """The reconciliation tick of a process that serves payments: at start (what a crash left),
    then every ``seconds``. A failing round is logged and the next one runs."""
    while True:
        try:
            await ctx.actions.reconcile()
        except asyncio.CancelledError:
            raise
        except UserError as exc:  # the database busy, PAY.JP unreachable: the next round tries again
            log.info("reconciliation round: %s; next round tries again", exc.code)
        except Exception:  # noqa: BLE001 - the tick must outlive a bad round
            log.exception("reconciliation round failed")
        await asyncio.sleep(seconds)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m desktop checkout-server",
                                     description="Serve the patient checkout pages (ClinicPay).")
    parser.add_argument("--port", type=int, default=8470, help="port to listen on (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (the TLS proxy connects here)")
    parser.add_argument("--database-url", default="", help="SQLAlchemy URL; default: SQLite in the data directory")
    parser.add_argument("--data-dir", default="", help="data directory (default: the per-user one)")
    parser.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS",
                        help="address or network of the TLS proxy whose X-Forwarded-For is believed "
                             "(repeatable; default: the setting trusted_proxies, else none)")
    parser.add_argument("--reconcile-interval", type=float, default=RECONCILE_INTERVAL, metavar="SECONDS",
                        help="how often payments and refunds whose answer was lost are looked up at PAY.JP")
    parser.add_argument("--public-base-url", default="", help="store this public URL as the clinic's link base")
    return parser


async def serve(args: argparse.Namespace, ready: "asyncio.Future[str] | None" = None) -> int:
    data_dir = pathlib.Path(args.data_dir) if args.data_dir else default_data_dir()
    settings = LocalSettings.load(data_dir)
    if args.database_url:
        settings.database_url = args.database_url
    ctx = build_context(data_dir, settings)
    try:
        if args.public_base_url:
            clinic = ctx.clinic()
            if clinic is not None:
                ctx.directory.system_set_link_base(clinic.id, args.public_base_url)
        server = EmbeddedServer(create_checkout_app(checkout_services_from_context(ctx)), args.host, args.port, name="checkout",
                                trusted_proxies=args.trusted_proxy or settings.trusted_proxies)
        base_url = await server.start()
        print(f"checkout server listening on {base_url}", flush=True)
        if ready is not None:
            ready.set_result(base_url)
        ticker = asyncio.ensure_future(reconcile_every(ctx, args.reconcile_interval))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # Windows: Ctrl+C raises KeyboardInterrupt
                pass
        try:
            await stop.wait()
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await server.stop()
    finally:
        ctx.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=os.environ.get("CLINICPAY_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("payjp").setLevel(logging.WARNING)  # its DEBUG lines carry card names and descriptions
    try:
        return asyncio.run(serve(args))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"checkout server could not start: {exc}", flush=True)
        return 1
    except UserError as exc:  # e.g. the database locked by another program: a message, no traceback
        print(f"checkout server could not start: {exc.message('en')}", flush=True)
        return 1
