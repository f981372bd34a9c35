"""What the patient's pages show of a clinic, and how its patients reach PAY.JP's 3-D Secure page.

Read-only: the pages never change a clinic. Without a PAY.JP key on this server the pages
still render and say that card payment is unavailable.
"""

from __future__ import annotations

import dataclasses
from typing import Callable
from urllib.parse import urlsplit

from sqlalchemy import select

from desktop.domain.errors import ServiceUnavailableError
from desktop.services.payment_setup import GatewayProvider
from desktop.storage.orm import Clinic
from desktop.storage.unit_of_work import Database

def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


@dataclasses.dataclass(frozen=True)
class ClinicPage:
    """What the pages need of a clinic: its own details and PAY.JP's public script and key."""

    id: int
    name: str
    phone: str
    email: str
    postal_code: str
    address: str
    representative: str
    registration_number: str  # "T" + 13 digits, or ""
    public_key: str  # PAY.JP public key (pk_…); "" when payments are unavailable
    script_url: str  # PAY.JP's pay.js (the simulator's in デモ mode); "" when unavailable
    api_origin: str  # scheme://host of the PAY.JP API the script calls; "" when unavailable


@dataclasses.dataclass(frozen=True)
class ThreeDSecureKeys:
    """What it takes to send a clinic's patient through PAY.JP's 3-D Secure redirect and back.

    Kept apart from ``ClinicPage`` so that the secret key never reaches a template.
    """

    api_base: str  # PAY.JP's API base URL (the simulator's in デモ mode)
    public_key: str
    public_base_url: str  # where patients reach the checkout pages
    secret_key: str = dataclasses.field(repr=False)  # signs the return address (never shown)


class ClinicPageService:
    """Reads clinics for the patient's pages.

    Args:
        db: the database.
        gateways: PAY.JP configuration per clinic (keys, script URL, API base).
        base_url_of: where patients reach the pages for a clinic (the base of the links in
            the mails; the billing service's ``public_base_url``).
    """

    def __init__(self, db: Database, gateways: GatewayProvider, base_url_of: Callable[[Clinic], str]) -> None:
        self._db = db
        self._gateways = gateways
        self._base_url_of = base_url_of

    def page(self, clinic_id: int | None = None) -> ClinicPage | None:
        """The clinic ``clinic_id``, or this installation's clinic (the first one) for ``None``.

        Returns ``None`` when there is no such clinic. Never raises for missing PAY.JP keys:
        ``public_key``, ``script_url`` and ``api_origin`` are then "".
        """
        with self._db.uow(readonly=True) as uow:
            if clinic_id is None:
                clinic = uow.session.scalars(select(Clinic).order_by(Clinic.id).limit(1)).first()
            else:
                clinic = uow.session.get(Clinic, clinic_id)
            return self._page(clinic) if clinic is not None else None

    def three_d_secure(self, clinic_id: int) -> ThreeDSecureKeys | None:
        """How clinic ``clinic_id``'s patients go through 3-D Secure; ``None`` without keys or clinic."""
        with self._db.uow(readonly=True) as uow:
            clinic = uow.session.get(Clinic, clinic_id)
            if clinic is None:
                return None
            try:
                config = self._gateways.config_for(clinic)
            except ServiceUnavailableError:
                return None
            return ThreeDSecureKeys(api_base=config.api_base, public_key=config.public_key,
                                    public_base_url=self._base_url_of(clinic), secret_key=config.secret_key)

    def _page(self, clinic: Clinic) -> ClinicPage:
        try:
            config = self._gateways.config_for(clinic)
            script_url, api_origin = config.script_url, _origin(config.api_base)
            public_key = self._gateways.public_key_for(clinic)
        except ServiceUnavailableError:
            script_url, api_origin, public_key = "", "", ""
        return ClinicPage(
            id=clinic.id, name=clinic.name, phone=clinic.phone, email=clinic.email, postal_code=clinic.postal_code,
            address=clinic.address, representative=clinic.representative,
            registration_number=clinic.registration_number or "", public_key=public_key,
            script_url=script_url, api_origin=api_origin,
        )
