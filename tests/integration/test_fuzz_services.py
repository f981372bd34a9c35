"""Property-based fuzzing (hypothesis) of what staff and patients type, through the services.

Amounts, names, kana, e-mail addresses, phone numbers and link tokens: every input either goes
through (and is stored as checked) or is refused with a ValidationError / StateError naming
its field, with a message in Japanese and English, and nothing changed. Never anything else.
Examples are bounded so the suite stays quick.
"""

from __future__ import annotations

import pathlib
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from desktop.domain.errors import StateError, UserError, ValidationError
from desktop.services.billing import LinkStatus
from desktop.services.links import new_link_token
from desktop.storage.orm import AuditEvent, BillingRequest, OutboxMail, Patient, PaymentAttempt
from tests.checkout.helpers import another_visit, make_context, seed_demo_clinic
from tests.integration.seed import Front

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

KANA = st.text(alphabet=st.sampled_from("あいうえおかきくけこがぎアイウエオカキクケコガギー　 ・ｱｲｳ漢字abc1-"), max_size=30)
NAMES = st.one_of(st.text(max_size=60), st.text(alphabet="山田花子鈴木一郎ｶﾅ　 '\"<>&\x00\u202e", max_size=40))
EMAILS = st.one_of(st.emails(), st.text(max_size=80),
                   st.from_regex(r"[a-z.]{0,10}@[a-z]{1,8}\.(jp|com|ne\.jp)", fullmatch=True))
PHONES = st.one_of(st.from_regex(r"0[0-9]{1,4}-?[0-9]{2,4}-?[0-9]{3,4}", fullmatch=True), st.text(max_size=30))
AMOUNTS = st.one_of(
    st.integers(min_value=-10**12, max_value=10**12),
    st.integers(min_value=0, max_value=10**8).map(lambda n: f"{n:,}"),
    st.integers(min_value=0, max_value=10**8).map(lambda n: "￥" + str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
    st.text(max_size=20), st.floats(allow_nan=True), st.booleans(), st.none(),
)


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Any, Front]]:
    """One installation for the module (a fresh one per example would be slow); SQLite."""
    from desktop.simulator.testing import running_simulator
    from desktop.storage.db import sqlite_url

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="fuzz-"))
    with running_simulator() as sim:
        ctx = make_context(tmp, sqlite_url(tmp / "fuzz.db"), sim.base_url)
        try:
            yield ctx, seed_demo_clinic(ctx)
        finally:
            ctx.close()


def _count(ctx: Any, model: Any) -> int:
    with ctx.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _explained(exc: UserError) -> None:
    assert exc.message("ja") and exc.message("en")
    assert exc.message("en") != exc.message("ja")


@FUZZ
@given(family=NAMES, given_name=NAMES, family_kana=KANA, given_kana=KANA, email=EMAILS, phone=PHONES)
def test_patient_fields(world: tuple[Any, Front], family: str, given_name: str, family_kana: str,
                        given_kana: str, email: str, phone: str) -> None:
    ctx, front = world
    before = (_count(ctx, Patient), _count(ctx, AuditEvent))
    try:
        patient_id = ctx.directory.add_patient(front.staff, front.clinic_id, family_name=family, given_name=given_name,
                                               family_name_kana=family_kana, given_name_kana=given_kana,
                                               email=email, phone=phone)
    except ValidationError as exc:
        assert exc.field
        _explained(exc)
        assert (_count(ctx, Patient), _count(ctx, AuditEvent)) == before  # nothing saved
        return
    with ctx.db.uow(readonly=True) as uow:
        stored = uow.session.get(Patient, patient_id)
        assert stored is not None and stored.family_name.strip()
        assert "\x00" not in stored.family_name + stored.given_name


@FUZZ
@given(amount=AMOUNTS, message=st.one_of(st.none(), st.text(max_size=1200)))
def test_request_amounts_and_messages(world: tuple[Any, Front], amount: object, message: str | None) -> None:
    ctx, front = world
    before = (_count(ctx, BillingRequest), _count(ctx, OutboxMail))
    try:
        outcome = ctx.billing.request_payment(another_visit(ctx, front), front.staff, amount, "taxable", message)
    except ValidationError as exc:
        assert exc.field in ("amount", "message")
        _explained(exc)
        assert (_count(ctx, BillingRequest), _count(ctx, OutboxMail)) == before
        return
    with ctx.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, outcome.request_id)
        assert req is not None and 50 <= req.amount <= 9_999_999
        if isinstance(amount, int):
            assert req.amount == amount
    assert _count(ctx, OutboxMail) == before[1] + 1  # one mail, with the request


@FUZZ
@given(token=st.one_of(st.text(max_size=200), st.from_regex(r"[A-Za-z0-9_-]{40,64}", fullmatch=True),
                       st.binary(max_size=80).map(lambda b: b.decode("latin-1"))))
def test_link_tokens(world: tuple[Any, Front], token: str) -> None:
    ctx, front = world
    attempts = _count(ctx, PaymentAttempt)
    assert ctx.billing.open_link(token).status is LinkStatus.UNKNOWN
    with pytest.raises(StateError) as caught:
        ctx.billing.pay_with_token(token, "tok_" + "0" * 20)
    assert caught.value.code == "link_unknown"
    _explained(caught.value)
    with pytest.raises(StateError):
        ctx.billing.finish_three_d_secure(token)
    assert _count(ctx, PaymentAttempt) == attempts


@FUZZ
@given(position=st.integers(min_value=0, max_value=42), char=st.sampled_from("Aa0_-Zz9"))
def test_a_forged_neighbour_of_a_real_link_is_unknown(world: tuple[Any, Front], position: int, char: str) -> None:
    ctx, front = world
    raw, _ = new_link_token()
    outcome = ctx.billing.request_payment(another_visit(ctx, front), front.staff, 1200, "taxable")
    from tests.checkout.helpers import link_from_outbox

    real = link_from_outbox(ctx, outcome.request_id)
    forged = real[:position] + char + real[position + 1:]
    if forged != real:
        assert ctx.billing.open_link(forged).status is LinkStatus.UNKNOWN
    assert ctx.billing.open_link(raw).status is LinkStatus.UNKNOWN  # a fresh token nobody was given
    assert ctx.billing.open_link(real).status is LinkStatus.PAYABLE
