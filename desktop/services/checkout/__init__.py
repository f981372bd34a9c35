"""The patient's checkout pages (ASGI): ``create_checkout_app(ctx)``; served by ``EmbeddedServer``."""

from desktop.services.checkout.app import create_checkout_app

__all__ = ["create_checkout_app"]
