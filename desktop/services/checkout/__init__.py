"""The patient's checkout pages (ASGI): ``create_checkout_app(services)``; served by ``EmbeddedServer``."""

from desktop.services.checkout.app import checkout_services_from_context, create_checkout_app
from desktop.services.checkout.state import CheckoutServices

__all__ = ["CheckoutServices", "checkout_services_from_context", "create_checkout_app"]
