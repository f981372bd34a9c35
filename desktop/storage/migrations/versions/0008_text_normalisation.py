"""one text normalisation for stored names; 但し書き per menu

Revision ID: 0008
Revises: 0007

Patient names and readings are re-stored as the forms now store them (NFKC with CJK compatibility
ideographs kept, spaces tidied, readings in full-width katakana), and so are the billing history's
search keys, so a search typed in half-width katakana or hiragana finds rows saved before.
The menu gains 但し書き (``receipt_purpose``, blank: 「診療代として」), copied onto each request
when it is made so a receipt keeps what was agreed at billing time.
"""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'

# A copy of desktop.domain.text as of this revision (migrations do not import the application).
_TO_KATAKANA = {code: code + 0x60 for code in range(ord("ぁ"), ord("ゖ") + 1)}
_TO_KATAKANA.update({ord("ゝ"): ord("ヽ"), ord("ゞ"): ord("ヾ")})
_COMPAT = re.compile("([\uf900-\ufaff\U0002f800-\U0002fa1f]+)")


def _text(value: str | None) -> str:
    parts = _COMPAT.split(value or "")
    return " ".join("".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(parts)).split())


def _kana(value: str | None) -> str:
    return _text(value).translate(_TO_KATAKANA)


def upgrade() -> None:
    with op.batch_alter_table('menu', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_purpose', sa.String(length=50), nullable=False, server_default=''))
    with op.batch_alter_table('billing_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_purpose', sa.String(length=50), nullable=False, server_default=''))
    bind = op.get_bind()
    patients = bind.execute(sa.text(
        "SELECT id, family_name, given_name, family_name_kana, given_name_kana FROM patient")).all()
    for pid, family, given, family_kana, given_kana in patients:
        new = (_text(family), _text(given), _kana(family_kana), _kana(given_kana))
        if new != (family, given, family_kana, given_kana):
            bind.execute(sa.text(
                "UPDATE patient SET family_name = :f, given_name = :g, family_name_kana = :fk, given_name_kana = :gk"
                " WHERE id = :id"), {"f": new[0], "g": new[1], "fk": new[2], "gk": new[3], "id": pid})
    rows = bind.execute(sa.text("SELECT id, patient_name, patient_given, patient_kana FROM billing_request")).all()
    for rid, name, given, kana in rows:
        keys = (_text(name), _text(given), _kana(kana))
        if keys != (name, given, kana):
            bind.execute(sa.text(
                "UPDATE billing_request SET patient_name = :n, patient_given = :g, patient_kana = :k WHERE id = :id"),
                {"n": keys[0], "g": keys[1], "k": keys[2], "id": rid})


def downgrade() -> None:
    # The re-normalised names stay as they are (the old forms are equivalent text). A plain
    # DROP COLUMN (SQLite 3.35+): a batch copy of menu would break the reservations' foreign keys.
    op.drop_column('billing_request', 'receipt_purpose')
    op.drop_column('menu', 'receipt_purpose')
