"""Secrets (PAY.JP secret keys, SMTP password) in the OS keyring of this PC — never in the database."""

from __future__ import annotations

import logging
import os
from typing import Callable, Protocol

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

log = logging.getLogger(__name__)

SERVICE = "ClinicPay"


def payjp_secret_name(mode: str) -> str:
    return f"payjp_secret_key:{mode}"


SMTP_PASSWORD = "smtp_password"
WEBHOOK_TOKEN_SECRET = "payjp_webhook_token"  # the token PAY.JP sends with each webhook
WEBHOOK_TOKEN_ENV = "CLINICPAY_PAYJP_WEBHOOK_TOKEN"  # the same, for a server install without a keyring


class SecretStore(Protocol):
    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...


class KeyringSecretStore:
    """The OS credential store (Windows Credential Manager, macOS Keychain, Secret Service)."""

    def get(self, name: str) -> str | None:
        try:
            return keyring.get_password(SERVICE, name)
        except (NoKeyringError, KeyringError) as exc:
            log.warning("keyring unavailable: %s", type(exc).__name__)
            return None

    def set(self, name: str, value: str) -> None:
        keyring.set_password(SERVICE, name, value)

    def delete(self, name: str) -> None:
        try:
            keyring.delete_password(SERVICE, name)
        except (PasswordDeleteError, NoKeyringError):
            pass


class MemorySecretStore:
    """For tests and for demo mode, where no real secret exists."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self._values = dict(values or {})

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def set(self, name: str, value: str) -> None:
        self._values[name] = value

    def delete(self, name: str) -> None:
        self._values.pop(name, None)


def webhook_token_source(store: SecretStore) -> Callable[[], str | None]:
    """A reader of PAY.JP's webhook token: the environment (server installs), else ``store``.

    The reader is called on every webhook (the token may be changed in the settings at any
    time); it returns ``None`` when no token is configured, and then every webhook is refused.
    """

    def read() -> str | None:
        return os.environ.get(WEBHOOK_TOKEN_ENV) or store.get(WEBHOOK_TOKEN_SECRET)

    return read
