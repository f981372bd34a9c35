"""The append-only audit trail (kept in ``desktop.storage.audit``; re-exported for services)."""

from desktop.storage.audit import record

__all__ = ["record"]
