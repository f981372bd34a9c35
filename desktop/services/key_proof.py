"""The live key-pair proof: the 管理者 tokenises their own card with payjp.js and the live public key.

PAY.JP refuses its test card with live keys, so a token made by the app cannot prove that the
live public and secret keys belong to one account. Instead the checkout server serves a small
page (``/keys/prove/<id>``, the same CSP discipline as the pay page) where the 管理者 enters their
own card; payjp.js makes a token with the public key (tokenising charges nothing). The app then
reads the token back with the live secret key (``GoLiveService.prove_with_token``): found → one
account. The token id is kept only until then; the row is deleted when read, or after
``PROOF_TTL``. Sources: PAY.JP API reference (トークンを作成 / トークン情報を取得), payjp.js v2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Callable

from sqlalchemy import delete, update

from desktop.domain.errors import NotFoundError
from desktop.domain.staff import Actor, Permission
from desktop.services.authz import authorize
from desktop.storage import audit as audit_log
from desktop.storage.orm import Clinic, KeyProof
from desktop.storage.unit_of_work import Database

PROOF_TTL = dt.timedelta(minutes=15)
PROOF_PATH = "/keys/prove/"
_TOKEN_ID = re.compile(r"^tok_[A-Za-z0-9_]{1,60}$")
_PROOF_ID = re.compile(r"^[A-Za-z0-9_-]{30,64}$")


@dataclasses.dataclass(frozen=True)
class KeyProofPage:
    """What the proof page needs: the live public key and where payjp.js comes from."""

    public_key: str
    script_url: str
    api_origin: str


class KeyProofService:
    """Open a proof page, receive its token (the 管理者's browser), hand the token to the switch once.

    Args:
        db: the database.
        script: ``() -> (script_url, api_origin)`` of PAY.JP's payjp.js for live keys (the
            simulator's stand-in when PAY.JP is simulated).
        clock: now, in UTC.
    """

    def __init__(self, db: Database, script: Callable[[], tuple[str, str]],
                 clock: Callable[[], dt.datetime]) -> None:
        self._db = db
        self._script = script
        self._clock = clock

    def open(self, actor: Actor, clinic_id: int, public_key: str) -> str:
        """A new proof page for ``public_key`` (管理者); returns its URL (the public base URL + ``/keys/prove/<id>``).

        Raises ``PermissionDeniedError`` (not a 管理者). Older proofs of the clinic are dropped.
        """
        script_url, api_origin = self._script()
        proof_id = secrets.token_urlsafe(32)
        with self._db.uow() as uow:
            authorize(uow.session, actor, Permission.SETTINGS, clinic_id=clinic_id)
            clinic = uow.session.get(Clinic, clinic_id)
            if clinic is None:
                raise NotFoundError()
            base = clinic.public_base_url.rstrip("/")
            uow.session.execute(delete(KeyProof).where(KeyProof.clinic_id == clinic_id))
            uow.session.add(KeyProof(id=proof_id, clinic_id=clinic_id, public_key=public_key.strip(),
                                     script_url=script_url, api_origin=api_origin, created_at=self._clock()))
            audit_log.record(uow.session, clinic_id=clinic_id, actor="staff", staff_id=actor.staff_id,
                             action="key_proof_opened", entity_type="clinic", entity_id=clinic_id,
                             after={"public_key": public_key.strip()})
            uow.commit()
        return base + PROOF_PATH + proof_id

    def page(self, proof_id: str) -> KeyProofPage | None:
        """The page of an open proof without a token yet, or None (unknown, used or expired)."""
        if not _PROOF_ID.match(proof_id):
            return None
        with self._db.uow(readonly=True) as uow:
            proof = uow.session.get(KeyProof, proof_id)
            if proof is None or proof.token_id or self._clock() - proof.created_at > PROOF_TTL:
                return None
            return KeyProofPage(proof.public_key, proof.script_url, proof.api_origin)

    def receive(self, proof_id: str, token_id: str) -> bool:
        """The token payjp.js made on the page (kept once); False for an unknown or used proof."""
        if not _PROOF_ID.match(proof_id) or not _TOKEN_ID.match(token_id):
            return False
        with self._db.uow() as uow:
            done = uow.session.execute(update(KeyProof).where(
                KeyProof.id == proof_id, KeyProof.token_id.is_(None),
                KeyProof.created_at >= self._clock() - PROOF_TTL).values(token_id=token_id))
            uow.commit()
            return bool(getattr(done, "rowcount", 0))

    def take(self, clinic_id: int) -> tuple[str, str]:
        """``(public_key, token_id)`` of the clinic's proof, deleting it (the token is not kept).

        Raises ``NotFoundError`` while no token has arrived (or the proof expired).
        """
        with self._db.uow() as uow:
            proof = uow.session.query(KeyProof).filter(KeyProof.clinic_id == clinic_id,
                                                       KeyProof.token_id.is_not(None)).first()
            if proof is None or self._clock() - proof.created_at > PROOF_TTL or not proof.token_id:
                raise NotFoundError()
            found = (proof.public_key, proof.token_id)
            uow.session.delete(proof)
            uow.commit()
            return found


__all__ = ["KeyProofPage", "KeyProofService", "PROOF_PATH", "PROOF_TTL"]
