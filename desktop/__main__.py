"""Command line: ``python -m desktop`` starts the app; subcommands start its servers alone.

    python -m desktop                       the reception app (デモ mode on a fresh install)
    python -m desktop --self-test           open every screen offscreen, start/stop the servers, exit
    python -m desktop simulator --port N    the PAY.JP simulator (prints its base URL first)
    python -m desktop checkout-server --port N [--database-url URL]
                                            the patient checkout page, for hosting on a server
    python -m desktop backup [--data-dir DIR]       back up the SQLite database now
    python -m desktop restore FILE [--data-dir DIR] restore a backup (checked first; the app closed)
    python -m desktop check-payjp [--simulator | --api-base URL]
                                            the PAY.JP contract cases in test mode (refuses live keys)
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "simulator":
        from desktop.simulator.cli import main as simulator_main

        return simulator_main(args[1:])
    if args and args[0] == "checkout-server":
        from desktop.services.checkout.cli import main as checkout_main

        return checkout_main(args[1:])
    if args and args[0] in ("backup", "restore"):
        from desktop.backup_cli import main as backup_main

        return backup_main(args)
    if args and args[0] == "check-payjp":
        from desktop.payjp_check import main as check_main

        return check_main(args[1:])
    if "--self-test" in args:
        from desktop.selftest import run_self_test

        args.remove("--self-test")
        return run_self_test(args)
    from desktop.launch import main as app_main

    return app_main(args)


if __name__ == "__main__":
    sys.exit(main())
