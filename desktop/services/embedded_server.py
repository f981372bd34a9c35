"""Kept for existing imports; the runner lives in :mod:`desktop.asgi_server`."""

from desktop.asgi_server import EmbeddedServer as EmbeddedServer  # noqa: F401
