"""DeskActions: each operation runs in its own pool, so a slow PAY.JP or SMTP call never holds up the lists."""

from __future__ import annotations

import asyncio
import concurrent.futures
import pathlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from desktop.domain.errors import PaymentError
from desktop.services.actions import DeskActions
from desktop.services.history import HistoryFilter
from desktop.services.runner import BackgroundRunner

T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: the test session's thread may already have a running loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class _Recorder:
    """Stands in for any service: each method returns (its name, its args, the thread it ran in)."""

    def __init__(self, fail: dict[str, Exception] | None = None) -> None:
        self.fail = fail or {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if name in self.fail:
                raise self.fail[name]
            return name, args, kwargs, threading.current_thread().name

        return call


@pytest.fixture
def runner() -> Any:
    r = BackgroundRunner()
    yield r
    r.shutdown()


def _actions(runner: BackgroundRunner, tmp_path: pathlib.Path, **services: Any) -> DeskActions:
    parts: dict[str, Any] = {name: _Recorder() for name in
                             ("billing", "booking", "directory", "settings", "queries", "history", "outbox",
                              "setup", "staff", "audit", "attention", "daily_close")}
    parts["settings"].tenants = _Recorder()
    parts.update(services)
    return DeskActions(runner=runner, mailbox_dir=tmp_path / "mailbox", **parts)


def test_payjp_smtp_and_reads_run_in_separate_pools(runner: BackgroundRunner, tmp_path: pathlib.Path) -> None:
    actions = _actions(runner, tmp_path)

    async def calls() -> list[Any]:
        return list(await asyncio.gather(
            actions.refund(7, 1, 500, "二重予約"),
            actions.history_page(1, HistoryFilter(), 0, 50),
            actions.send_test_mail(1, 1),  # type: ignore[arg-type]
            actions.register_tenant(1, 1, "with_insurance"),  # type: ignore[arg-type]
        ))

    refund, page, mail, tenant = _run(calls())
    assert refund[:3] == ("refund", (7, 1, 500, "二重予約"), {})
    assert refund[3].startswith("payjp")
    assert page[:3] == ("page", (1, HistoryFilter(), 0, 50), {"total": None})
    assert page[3].startswith("db")
    assert mail[0] == "send_test_mail" and mail[3].startswith("mail")
    assert tenant[0] == "register" and tenant[3].startswith("payjp")


def test_a_refused_refund_reaches_the_caller_unchanged(runner: BackgroundRunner, tmp_path: pathlib.Path) -> None:
    refused = PaymentError("refund_limit_exceeded")
    actions = _actions(runner, tmp_path, billing=_Recorder(fail={"refund": refused}))
    with pytest.raises(PaymentError) as caught:
        _run(actions.refund(7, 1, None, ""))
    assert caught.value is refused
    assert caught.value.message("ja") == "決済から180日を過ぎているため、PAY.JPで返金できません。"
