"""``python -m desktop checkout-server --port N [--database-url URL]``: the checkout pages alone.

For a clinic that hosts the patient pages on a server behind a TLS proxy. The database is
created and migrated on start. The public base URL (what goes into the e-mails) is the
clinic's setting; ``--public-base-url`` stores it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pathlib
import signal

from desktop.config import LocalSettings
from desktop.paths import default_data_dir
from desktop.services.checkout.app import checkout_services_from_context, create_checkout_app
from desktop.bootstrap import build_context
from desktop.asgi_server import EmbeddedServer

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m desktop checkout-server",
                                     description="Serve the patient checkout pages (ClinicPay).")
    parser.add_argument("--port", type=int, default=8470, help="port to listen on (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (the TLS proxy connects here)")
    parser.add_argument("--database-url", default="", help="SQLAlchemy URL; default: SQLite in the data directory")
    parser.add_argument("--data-dir", default="", help="data directory (default: the per-user one)")
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
        server = EmbeddedServer(create_checkout_app(checkout_services_from_context(ctx)), args.host, args.port, name="checkout")
        base_url = await server.start()
        print(f"checkout server listening on {base_url}", flush=True)
        if ready is not None:
            ready.set_result(base_url)
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
