"""No patient data or link token reaches the server log."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from desktop.simulator.testing import RunningSimulator
from tests.checkout.helpers import Link
from tests.checkout.test_pay_page import pay


def test_log_has_no_token_or_patient_data(client: TestClient, link: Link, sim: RunningSimulator,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # what the checkout server logs (cli: INFO, payjp SDK at WARNING)
    pay(client, sim, link, number="4000000000080319")
    pay(client, sim, link)
    client.get(link.path + "/receipt")
    client.get("/pay/" + "Z" * 43)
    # httpx/httpcore are the test client's side; uvicorn.access is the simulator's (ours has no access log)
    client_side = ("httpx", "httpcore", "uvicorn.access")
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(client_side))
    for secret in (link.token, "山田", "花子", "hanako@example.jp", "HANAKO", "4242"):
        assert secret not in text
