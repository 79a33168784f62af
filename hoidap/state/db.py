"""Engine by URL and schema by Alembic: every process upgrades the database to the newest
revision on first use, so a new release migrates its state without a manual step."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema hoidap created with CREATE TABLE before it used Alembic
_MIGRATION_LOCK = 0x686F6964  # PostgreSQL advisory lock id ("hoid"): one replica migrates at a time


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// mean psycopg 3 (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def connect(url: str) -> Engine:
    """An engine for the state database, its schema upgraded to the newest revision."""
    url = normalise_url(url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_wait_for_locks)
    upgrade(engine)
    return engine


def _sqlite_wait_for_locks(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout = 10000")


def upgrade(engine: Engine) -> None:
    """alembic upgrade head, in one transaction; a pre-Alembic state file is stamped as the baseline."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables and {"turns", "feedback"} <= tables:
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")


def revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
