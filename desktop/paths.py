"""Where ClinicPay finds its bundled resources and keeps its data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "ClinicPay"
APP_AUTHOR = "ClinicPay"


def resource_root() -> Path:
    """The ``resources/`` folder, from a source checkout or a PyInstaller bundle.

    A frozen build unpacks its ``datas`` under ``sys._MEIPASS``; the spec file ships
    ``resources/`` there under the same name (as ``borgbase/vorta`` does with ``get_asset``).
    """
    bundle_dir = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle_dir:
        return Path(bundle_dir) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``resource_path("templates", "mail")``."""
    return resource_root().joinpath(*parts)


def package_path(*parts: str) -> Path:
    """A data file inside the ``desktop`` package (e.g. the alembic migrations)."""
    bundle_dir = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle_dir:
        return Path(bundle_dir).joinpath("desktop", *parts)
    return Path(__file__).resolve().parent.joinpath(*parts)


def default_data_dir() -> Path:
    """The per-user data directory (database, demo mailbox, logs); not created here.

    ``CLINICPAY_DATA_DIR`` overrides it (tests, a second demo install, a portable setup).
    """
    override = os.environ.get("CLINICPAY_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    """Where the rotating log file lives: platformdirs' per-user log directory; not created here.

    Linux ``~/.local/state/ClinicPay/log``, Windows ``%LOCALAPPDATA%\\ClinicPay\\ClinicPay\\Logs``,
    macOS ``~/Library/Logs/ClinicPay``. ``CLINICPAY_LOG_DIR`` overrides it.
    """
    override = os.environ.get("CLINICPAY_LOG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))
