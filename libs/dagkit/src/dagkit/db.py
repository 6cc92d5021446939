"""Engines and sessions: PostgreSQL in production, a SQLite file by default."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, sessionmaker


def database_url_or_default(url: str | None, data_dir: str, service: str) -> str:
    """The configured URL, or the embedded default: one SQLite file per service."""
    if url:
        return url
    path = Path(data_dir).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path / (service + '.sqlite3')}"


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("postgresql://"):
        # The portal uses psycopg 3; the bare scheme would ask for psycopg2.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # JSON columns (the read model keeps whole documents) written by orjson:
    # several times json's speed, same documents.
    kwargs.setdefault("json_serializer", _json_text)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the HTTP server read while the relay or consumer writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with factory() as session, session.begin():
        yield session


def engine_from_settings(service: str, settings: Any) -> Engine:
    """The service's engine: DATABASE_URL, or its SQLite file under DATA_DIR."""
    return make_engine(
        database_url_or_default(settings["database_url"], settings["data_dir"], service)
    )


def values_in(
    column: ColumnElement[Any], values: Collection[Any], bind: Engine | Connection
) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``= ANY(array)``, one parameter
    instead of one per value. For a lookup of many keys in a large table
    prefer select_matching."""
    if bind.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def select_matching(
    statement: Select[Any], column: ColumnElement[Any], dialect: str, key: str = "keys"
) -> Select[Any]:
    """``statement`` limited to rows whose ``column`` is one of the values
    passed as parameter ``key`` (a list) when it is executed. Build it once and
    execute it many times: it compiles once.

    On PostgreSQL a join with ``unnest(array)``: one parameter, and the
    planner probes the index once per value whatever it knows of the table.
    (``= ANY(array)`` or ``IN (SELECT unnest(...))`` in a prepared
    statement's generic plan compared every row with every value on a table
    without statistics yet, as after a rebuild: 200 ms for 500 keys in 6,000
    rows, against 4 ms.)"""
    if dialect != "postgresql":
        return statement.where(column.in_(bindparam(key, expanding=True)))
    wanted = (
        func.unnest(bindparam(key, type_=ARRAY(column.type))).table_valued("value").render_derived()
    )
    return statement.join(wanted, column == wanted.c.value)


def insert_rows(
    db: Session | Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    upsert_on: Sequence[str] | None = None,
) -> None:
    """Insert ``rows`` (all with the same keys) in one statement; with
    ``upsert_on`` (the key columns) a row whose key exists replaces the
    existing row's other columns. The rows' keys must be distinct.

    PostgreSQL gets one ``INSERT ... SELECT FROM json_populate_recordset``
    with the rows as one JSON parameter, whatever their number (executemany
    sends and executes one statement per row; arrays of text cost psycopg a
    regular-expression escape per element). SQLite, in process, gets the
    driver's executemany.
    """
    if not rows:
        return
    columns = list(rows[0])
    bind = db.get_bind() if isinstance(db, Session) else db
    dialect = bind.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    conflict = ""
    if upsert_on:
        updates = ", ".join(
            f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in upsert_on
        )
        conflict = (
            f" ON CONFLICT ({', '.join(quote(c) for c in upsert_on)}) DO UPDATE SET {updates}"
        )
    if dialect.name == "sqlite":
        # The driver's executemany with each column's own conversion (JSON,
        # dates): SQLAlchemy's per-row parameter handling costs more than
        # SQLite's own work here.
        processors = [table.c[c].type.bind_processor(dialect) for c in columns]
        values = [
            tuple(
                row[c] if process is None else process(row[c])
                for c, process in zip(columns, processors, strict=True)
            )
            for row in rows
        ]
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({placeholders}){conflict}"  # noqa: S608
        connection = db.connection() if isinstance(db, Session) else db
        connection.exec_driver_sql(sql, values)
        return
    if dialect.name != "postgresql":
        db.execute(insert(table), list(rows))
        return
    # Names come from the table's metadata (quoted); the rows are one bound value.
    sql = (
        f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} "  # noqa: S608
        f"FROM json_populate_recordset(NULL::{quote(table.name)}, CAST(:rows AS JSON))" + conflict
    )
    params = {"rows": orjson.dumps(list(rows), default=_json_value).decode()}
    db.execute(text(sql), params)


def _json_value(value: Any) -> Any:
    # orjson writes datetimes itself; anything else is a programming error.
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
