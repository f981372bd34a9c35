"""The bootstrap builds one graph: what the screens read through DeskActions is what the services wrote."""

from __future__ import annotations

import asyncio
import concurrent.futures
import pathlib
from collections.abc import Coroutine
from typing import Any, TypeVar

from desktop.bootstrap import prepare_context
from desktop.config import LocalSettings
from desktop.services.demo import DEMO_CLINIC_NAME
from desktop.services.secrets import MemorySecretStore

T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: the test session's thread may already have a running loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_fresh_install_opens_on_the_demo_clinic_with_its_reservations(tmp_path: pathlib.Path) -> None:
    ctx = prepare_context(tmp_path, LocalSettings(checkout_port=0, simulator_port=0), secrets=MemorySecretStore())
    try:
        async def read() -> tuple[object, int, int]:
            clinic = await ctx.actions.clinic_info()
            assert clinic is not None
            rows = await ctx.actions.reservations(clinic.id, None)
            menus = await ctx.actions.menus(clinic.id)
            return clinic.name, len(rows), len(menus)

        name, reservations, menus = _run(read())
        assert name == DEMO_CLINIC_NAME
        assert reservations > 0 and menus > 0
        assert LocalSettings.load(tmp_path).checkout_port == 0  # the fresh install's settings were saved
    finally:
        ctx.close()
