"""The live key-pair proof page against the simulator: the 管理者's own card tokenised with the
public key, read back with the secret key; the token is used once and not kept."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from desktop.domain.clinic import PaymentMode
from desktop.domain.errors import UserError
from desktop.services.checkout import checkout_services_from_context, create_checkout_app
from desktop.services.checkout.security import CsrfSigner, RateLimiter
from desktop.services.context import AppContext
from desktop.services.go_live import Condition, GoLiveError, GoLiveService
from desktop.simulator.testing import RunningSimulator
from desktop.storage.orm import KeyProof
from tests.checkout.helpers import make_context
from tests.integration.seed import Front, seed_front_desk

PUBLIC = "https://clinic.example.jp"
OTHER_SECRET = "sk_test_anotheraccount0000000000"
CARD = {"card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2040", "card[cvc]": "123"}


@pytest.fixture
def ctx(tmp_path: pathlib.Path, db_url: str, sim: RunningSimulator) -> Iterator[AppContext]:
    context = make_context(tmp_path, db_url, sim.base_url)
    context.gateways._live_api_base = sim.base_url  # PAY.JP is the simulator here (its payjp.js stand-in)
    yield context
    context.close()


@pytest.fixture
def front(ctx: AppContext) -> Front:
    return seed_front_desk(ctx.db, mode=PaymentMode.TEST, public_base_url=PUBLIC)


def _client(ctx: AppContext) -> TestClient:
    app = create_checkout_app(checkout_services_from_context(ctx), limiter=RateLimiter(limit=1000, window=60),
                              csrf=CsrfSigner(b"k" * 32), link_cache_ttl=0)
    return TestClient(app, base_url=PUBLIC)


def _tokenise(sim: RunningSimulator, public_key: str) -> str:
    """What payjp.js does on the page: a token made with the public key."""
    answer = httpx.post(f"{sim.base_url}/v1/tokens", auth=(public_key, ""), data=CARD)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


def _through_the_page(ctx: AppContext, sim: RunningSimulator, front: Front, client: TestClient) -> None:
    url = ctx.key_proofs.open(front.manager, front.clinic_id, sim.public_key)
    assert url.startswith(PUBLIC + "/keys/prove/")
    path = url[len(PUBLIC):]
    page = client.get(path)
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    script = re.search(r"script-src ([^;]+)", csp)
    assert script and sim.base_url in script.group(1).split()  # payjp.js (the stand-in) on this page only
    assert f'src="{sim.base_url}/payjs/v2/pay.js"' in page.text and sim.public_key in page.text
    csrf = re.search(r'data-csrf="([0-9a-f]+)"', page.text)
    assert csrf
    token = _tokenise(sim, sim.public_key)
    assert client.post(path, json={"card_token": token}, headers={"X-CSRF-Token": "0" * 40}).status_code == 403
    assert client.post(path, json={"card_token": token}, headers={"X-CSRF-Token": csrf.group(1)}).json() == {
        "result": "ok"}
    assert client.get(path).status_code == 404  # used: the page is gone


def _proofs(ctx: AppContext) -> int:
    with ctx.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(KeyProof)) or 0)


def _go_live(ctx: AppContext) -> GoLiveService:
    go_live = ctx.actions._go_live
    assert go_live is not None
    return go_live


def test_keys_of_one_account_are_proven_and_the_token_is_not_kept(ctx: AppContext, sim: RunningSimulator,
                                                                  front: Front) -> None:
    with _client(ctx) as client:
        _through_the_page(ctx, sim, front, client)
    assert _go_live(ctx).prove_with_token(front.manager, front.clinic_id, sim.secret_key) is True
    assert _proofs(ctx) == 0
    with pytest.raises(GoLiveError) as again:  # used once
        _go_live(ctx).prove_with_token(front.manager, front.clinic_id, sim.secret_key)
    assert again.value.code == "keys_proof_missing"


def test_keys_of_two_accounts_are_told_apart(ctx: AppContext, sim: RunningSimulator, front: Front) -> None:
    with _client(ctx) as client:
        _through_the_page(ctx, sim, front, client)
    assert _go_live(ctx).prove_with_token(front.manager, front.clinic_id, OTHER_SECRET) is False


def test_only_a_manager_opens_a_proof_and_a_forged_or_late_token_is_refused(
        ctx: AppContext, sim: RunningSimulator, front: Front) -> None:
    with pytest.raises(UserError):
        ctx.key_proofs.open(front.staff, front.clinic_id, sim.public_key)
    url = ctx.key_proofs.open(front.manager, front.clinic_id, sim.public_key)
    proof_id = url.rsplit("/", 1)[-1]
    assert not ctx.key_proofs.receive(proof_id, "not-a-token")
    assert not ctx.key_proofs.receive("x" * 40, "tok_0123456789")
    with ctx.db.uow() as uow:
        proof = uow.session.get(KeyProof, proof_id)
        assert proof is not None
        proof.created_at = proof.created_at - dt.timedelta(minutes=16)
        uow.commit()
    assert ctx.key_proofs.page(proof_id) is None
    assert not ctx.key_proofs.receive(proof_id, "tok_0123456789")


def test_a_proven_pair_satisfies_the_keys_condition_of_the_switch(ctx: AppContext, front: Front) -> None:
    """Live keys: the test-card probe cannot prove them (keys_proof_needed) until the proof page did."""
    pk, sk = "pk_live_0123456789abcdef01234567", "sk_live_0123456789abcdef01234567"

    class Proofs:
        def take(self, clinic_id: int) -> tuple[str, str]:
            return pk, "tok_fromthepage0001"

    def probe(public_key: str, secret_key: str) -> bool:
        raise GoLiveError("keys_proof_needed", field="public_key")

    service = GoLiveService(ctx.db, ctx.secrets, ctx.settings_service, prove_keys=probe, http=httpx.Client,
                            clock=ctx.clock, live_check_passed=lambda _c: None,
                            key_proofs=Proofs(),  # type: ignore[arg-type]
                            token_exists=lambda secret, token: secret == sk and token == "tok_fromthepage0001")
    before = {r.item: r for r in service.check(front.clinic_id, pk, sk).results}
    reason = before[Condition.KEYS].reason
    assert reason is not None and reason.code == "keys_proof_needed"
    assert "カードでキーを確認" in reason.message("ja") and "not be charged" in reason.message("en")
    assert service.prove_with_token(front.manager, front.clinic_id, sk) is True
    after = {r.item: r for r in service.check(front.clinic_id, pk, sk).results}
    assert after[Condition.KEYS].ok
