from __future__ import annotations

from collections.abc import Iterator

import payjp
import pytest

from desktop.simulator.testing import RunningSimulator, running_simulator


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    """A fresh simulator per test, with payjp pointed at it."""
    previous = payjp.api_base
    with running_simulator() as running:
        payjp.api_base = running.base_url
        yield running
    payjp.api_base = previous
