"""Fixtures: the checkout app over a real database (SQLite and PostgreSQL) and the simulator."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from desktop.services.checkout import checkout_services_from_context, create_checkout_app
from desktop.services.checkout.security import CsrfSigner, RateLimiter
from desktop.services.context import AppContext
from desktop.simulator.testing import RunningSimulator, running_simulator
from tests.checkout.helpers import Link, issue_link, make_context, seed_demo_clinic
from tests.integration.seed import Front


@pytest.fixture(scope="session")
def sim() -> Iterator[RunningSimulator]:
    with running_simulator() as running:
        yield running


@pytest.fixture
def ctx(tmp_path: pathlib.Path, db_url: str, sim: RunningSimulator) -> Iterator[AppContext]:
    context = make_context(tmp_path, db_url, sim.base_url)
    yield context
    context.close()


@pytest.fixture
def front(ctx: AppContext) -> Front:
    return seed_demo_clinic(ctx)


@pytest.fixture
def limiter() -> RateLimiter:
    return RateLimiter(limit=1000, window=60)


@pytest.fixture
def client(ctx: AppContext, front: Front, limiter: RateLimiter) -> Iterator[TestClient]:
    # No link cache here: these tests change the database between requests (see test_link_cache).
    app = create_checkout_app(checkout_services_from_context(ctx), limiter=limiter, csrf=CsrfSigner(b"k" * 32), link_cache_ttl=0)
    with TestClient(app, base_url="http://127.0.0.1:8470") as test_client:
        yield test_client


@pytest.fixture
def link(ctx: AppContext, front: Front) -> Link:
    return issue_link(ctx, front)
