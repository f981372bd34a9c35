"""The append-only audit trail: who did what, when, and the state before and after."""

from __future__ import annotations

import json
from typing import Any, Mapping

from sqlalchemy.orm import Session

from .orm import AuditEvent


def _dump(value: Mapping[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    session: Session,
    *,
    clinic_id: int | None,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: object,
    staff_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Add one audit event to the session's transaction."""
    session.add(
        AuditEvent(
            clinic_id=clinic_id,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            staff_id=staff_id,
            before=_dump(before),
            after=_dump(after),
        )
    )
