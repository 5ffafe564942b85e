"""Opening the database: engine, SQLite pragmas, automatic migrations."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.errors import StoreError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
CONNECT_TIMEOUT_S = 10  # a server that accepts the connection but never answers
STATEMENT_TIMEOUT_MS = 300_000  # PostgreSQL; SQLite waits at most busy_timeout for a lock
NEWER_SCHEMA = "this database was written by a newer strainwatch: upgrade strainwatch, not the database"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_own_transactions(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite defers BEGIN and so breaks SAVEPOINT: let SQLAlchemy emit BEGIN itself
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def create_db_engine(url: str, *, savepoints: bool = False) -> Engine:
    """An engine for `url`; a SQLite file's folder is created on first use.

    `savepoints`: SQLite transactions that nest (for a dry run's rolled-back sandbox). Not
    the default: pysqlite's own handling is a quarter faster for the import's small commits.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError("not a valid database URL", where="[storage] url") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database.startswith("~"):
            database = str(Path(database).expanduser())
            parsed = parsed.set(database=database)
        if database and database != ":memory:":
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the database folder: {exc.strerror}", where=database
                ) from None
        engine = create_engine(parsed, connect_args={"timeout": CONNECT_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_pragmas)
        if savepoints:
            event.listen(engine, "connect", _sqlite_own_transactions)
            event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    if "options" not in parsed.query:
        connect_args["options"] = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
    try:
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except ModuleNotFoundError:
        raise StoreError(
            "PostgreSQL support is not installed",
            hint="install with: pipx install 'strainwatch[postgres]'",
        ) from None


def store_error(exc: SQLAlchemyError, doing: str) -> StoreError:
    """One readable line from a database error: the driver's own message, never the SQL
    statement or its parameters (they may hold activity data, and they help nobody)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if orig is None:
        first = first.split(" [SQL:", 1)[0]
    return StoreError(f"database error {doing}: {first}".replace("  ", " "))


def _alembic_config(engine: Engine | None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    """The revision this strainwatch's migrations end at: what `check_schema` must return."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def check_schema(engine: Engine) -> str | None:
    """The schema's revision; refuses a database from a newer strainwatch (an unknown
    revision) and another program's database (tables, but no revision of ours), which an
    upgrade must never touch."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    current = current_revision(engine)
    if current is None:
        with engine.connect() as connection:
            tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
        if tables:
            raise StoreError(
                f"the database holds tables strainwatch did not create ({', '.join(sorted(tables)[:5])}): "
                "refusing to change it",
                where=safe_url(engine.url.render_as_string()),
                hint="point [storage] url at a new file or an empty database",
            )
        return None
    script = ScriptDirectory.from_config(_alembic_config(engine))
    try:
        known = script.get_revision(current) is not None
    except Exception:
        known = False
    if not known:
        raise StoreError(NEWER_SCHEMA, where=safe_url(engine.url.render_as_string()))
    return current


def upgrade(engine: Engine) -> None:
    """Apply every pending migration; a no-op when the schema is current."""
    from alembic import command

    try:
        check_schema(engine)
        if engine.dialect.name == "sqlite":  # persistent; set only once the file is known to be ours
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        if engine.dialect.name == "sqlite":
            # pysqlite opens no transaction before a CREATE or an ALTER, so each would commit
            # alone and a kill half-way would leave tables without a revision: migrate on an
            # engine that sends BEGIN itself, so all of an upgrade commits at once or not at all
            atomic = create_db_engine(engine.url.render_as_string(hide_password=False), savepoints=True)
            try:
                command.upgrade(_alembic_config(atomic), "head")
            finally:
                atomic.dispose()
        else:
            command.upgrade(_alembic_config(engine), "head")
    except OperationalError as exc:
        raise StoreError(
            f"cannot open the database: {exc.orig}", where=safe_url(engine.url.render_as_string())
        ) from None
    except SQLAlchemyError as exc:
        raise StoreError(f"migration failed: {exc}") from None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise StoreError(
            f"cannot open the database: {exc.orig}", where=safe_url(engine.url.render_as_string())
        ) from None
    except SQLAlchemyError as exc:  # not a database at all, say
        raise StoreError(
            f"cannot read the database ({type(exc).__name__})", where=safe_url(engine.url.render_as_string())
        ) from None


def open_database(url: str, *, migrate: bool = True) -> sessionmaker[Session]:
    """Engine, migrations, and a session factory whose objects outlive their commits."""
    engine = create_db_engine(url)
    if migrate:
        upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(session: Session, *, dry_run: bool = False) -> Iterator[None]:
    """One transaction: committed at the end, rolled back on any error or in a dry run."""
    transaction = session.begin()
    try:
        yield
    except BaseException:
        transaction.rollback()
        raise
    if dry_run:
        transaction.rollback()
    else:
        transaction.commit()


@contextmanager
def sandbox(sessions: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """Sessions whose commits are savepoints inside one transaction that is rolled back at the
    end: a dry run does the real work and leaves nothing behind."""
    bound = sessions.kw["bind"]
    engine = create_db_engine(bound.url.render_as_string(hide_password=False), savepoints=True)
    try:
        with engine.connect() as connection:
            outer = connection.begin()
            try:
                yield sessionmaker(
                    bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
                )
            finally:
                outer.rollback()
    finally:
        engine.dispose()


# The names the pages hold a session factory and a session by, so that the web never imports
# sqlalchemy itself (an import-linter contract): what a session is stays the store's business.
DbSession: TypeAlias = Session
Sessions: TypeAlias = sessionmaker[Session]
