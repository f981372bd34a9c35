"""Alembic environment: the engine comes from the caller; no fileConfig (it would
disable the application's loggers, alembic#714)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from desktop.storage.orm import Base

config = context.config
target_metadata = Base.metadata


def _pragma(connection: Connection, statement: str) -> None:
    """Run a PRAGMA that only counts outside a transaction, on the driver's own connection."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration re-creates a table (copy, DROP, rename); with foreign keys enforced
            # SQLite refuses to drop a table other rows point at (e.g. clinic). Checked again below.
            # (on the driver's connection: outside the transaction SQLAlchemy would begin first)
            _pragma(connection, "PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left {len(broken)} rows pointing at nothing")
        connection.commit()
        if sqlite:
            _pragma(connection, "PRAGMA foreign_keys=ON")


run_migrations_online()
