"""Run blocking service calls off the event loop, in dedicated thread pools.

The PAY.JP SDK and smtplib block; a call may take up to the gateway timeout. The UI and
the checkout server ``await runner.payments(fn, ...)`` so the event loop (and the window)
never waits. The pools are shut down without waiting: a worker stuck in a network call
must not hold up the app's exit (qasync#115).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
from typing import Callable, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class BackgroundRunner:
    """Named thread pools: ``payments`` (PAY.JP + database), ``mail`` (SMTP), ``db`` (queries)."""

    def __init__(self, *, payment_workers: int = 4, mail_workers: int = 1, db_workers: int = 2) -> None:
        self._pools = {
            "payments": concurrent.futures.ThreadPoolExecutor(payment_workers, thread_name_prefix="payjp"),
            "mail": concurrent.futures.ThreadPoolExecutor(mail_workers, thread_name_prefix="mail"),
            "db": concurrent.futures.ThreadPoolExecutor(db_workers, thread_name_prefix="db"),
        }

    async def _run(self, pool: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        call = functools.partial(ctx.run, fn, *args, **kwargs)
        return await loop.run_in_executor(self._pools[pool], call)

    async def payments(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run("payments", fn, *args, **kwargs)

    async def mail(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run("mail", fn, *args, **kwargs)

    async def db(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run("db", fn, *args, **kwargs)

    def shutdown(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
