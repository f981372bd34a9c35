"""Unit of work: one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from desktop.domain.errors import DatabaseBusyError

from .db import READONLY_OPTION, is_busy, session_factory


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back.

    Args:
        sessions: the session factory bound to the engine.
        readonly: begin a deferred (read) transaction; on SQLite writers use BEGIN IMMEDIATE.
    """

    def __init__(self, sessions: sessionmaker[Session], *, readonly: bool = False) -> None:
        self._sessions = sessions
        self._readonly = readonly
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'with'")
        return self._session

    def __enter__(self) -> "UnitOfWork":
        self._session = self._sessions()
        if self._readonly:
            self._session.connection(execution_options={READONLY_OPTION: True})
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            # close() rolls back whatever was not committed and detaches loaded objects
            # without expiring them (rollback() would expire them, making them unreadable).
            self._session.close()
        finally:
            self._session = None
        if exc is not None and is_busy(exc):
            # Locked by another PC or program past the busy timeout: rolled back, nothing
            # written; the person sees a message and may try again, never a traceback.
            raise DatabaseBusyError() from exc

    def commit(self) -> None:
        """Commit. Raises ``DatabaseBusyError`` (via ``__exit__``) when SQLite stayed locked."""
        self.session.commit()


UowFactory = Callable[..., UnitOfWork]


class Database:
    """The engine and a unit-of-work factory; built once by the app."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = session_factory(engine)

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.sessions, readonly=readonly)

    def dispose(self) -> None:
        self.engine.dispose()
