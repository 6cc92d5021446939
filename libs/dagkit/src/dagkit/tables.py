"""The kit's own tables, added to each service's metadata so that its Alembic
history creates them beside the service's tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    """A service's metadata: stable constraint names, so migrations can name them."""
    return MetaData(naming_convention=NAMING_CONVENTION)


@dataclass(frozen=True)
class KitTables:
    outbox: Table
    inbox: Table
    aggregate_versions: Table


def _group_table(name: str, metadata: MetaData, keys: list[str], *columns: Column[Any]) -> Table:
    """A table of the consumer groups' rows: the group and ``keys`` (strings)
    are its primary key, so each group keeps its own."""
    key_columns = [Column(key, String(200), primary_key=True) for key in ["consumer_group", *keys]]
    return Table(name, metadata, *key_columns, *columns)


def add_kit_tables(metadata: MetaData) -> KitTables:
    outbox = Table(
        "kit_outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("topic", String(200), nullable=False),
        Column("message_key", String(200), nullable=False),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("sent_at", DateTime(timezone=True), nullable=True),
    )
    # The relay only ever looks at unsent rows, in id order.
    Index(
        "ix_kit_outbox_unsent",
        outbox.c.id,
        postgresql_where=text("sent_at IS NULL"),
        sqlite_where=text("sent_at IS NULL"),
    )
    inbox = _group_table(
        "kit_inbox",
        metadata,
        ["event_id"],
        Column("topic", String(200), nullable=False),
        Column("kafka_partition", Integer, nullable=False),
        Column("kafka_offset", BigInteger, nullable=False),
        Column("outcome", String(20), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )
    aggregate_versions = _group_table(
        "kit_aggregate_versions",
        metadata,
        ["topic", "subject"],
        Column("version", BigInteger, nullable=False),
    )
    return KitTables(outbox=outbox, inbox=inbox, aggregate_versions=aggregate_versions)
