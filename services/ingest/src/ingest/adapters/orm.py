"""The ingest service's tables. The kit's outbox and inbox live beside them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from dagkit.tables import BigId, add_kit_tables, service_metadata

metadata = service_metadata()
kit_tables = add_kit_tables(metadata)


# One row per file handed over, whatever became of it.
imports = Table(
    "imports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("filename", String(255), nullable=False),
    Column("kind_hint", String(40), nullable=True),
    Column("channel", String(20), nullable=False),  # http | cli | drop_folder
    Column("dry_run", Boolean, nullable=False),
    Column("content_sha256", String(64), nullable=False, index=True),
    Column("size_bytes", BigInteger, nullable=False),
    # None once the file is purged (see purge_files); the import and its report stay.
    Column("stored_file_id", String(36), ForeignKey("stored_files.id"), nullable=True),
    Column("file_purged_at", DateTime(timezone=True), nullable=True),
    # The closure count the uploader confirmed (a register import that closes
    # many institutions, or empties a municipality, needs it).
    Column("confirm_closures", Integer, nullable=True),
    # queued | running | accepted | rejected | duplicate | failed
    Column("status", String(20), nullable=False, index=True),
    Column("format", String(40), nullable=True),
    Column("dataset_kind", String(20), nullable=True),
    Column("rows_total", Integer, nullable=True),
    Column("rows_done", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("report", JSON, nullable=True),
    Column("dataset_version_id", Integer, nullable=True),
    Column("requested_by", String(200), nullable=True),
    Column("correlation_id", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("heartbeat_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)

# The files themselves, in chunks, so any worker on any machine can read an
# upload (a pod's disk is its own) and no file is ever held whole in memory.
stored_files = Table(
    "stored_files",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("content_sha256", String(64), nullable=False, index=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
stored_file_chunks = Table(
    "stored_file_chunks",
    metadata,
    Column(
        "file_id", String(36), ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# Each accepted (not dry-run) file is a dataset version.
dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("import_id", String(36), ForeignKey("imports.id"), nullable=False, unique=True),
    Column("content_sha256", String(64), nullable=False),
    Column("format", String(40), nullable=False),
    Column("summary", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_dataset_versions_kind_sha", dataset_versions.c.kind, dataset_versions.c.content_sha256)

# Serialises the application of imports of one kind (a row lock per kind).
dataset_locks = Table(
    "dataset_locks",
    metadata,
    Column("kind", String(20), primary_key=True),
)

# The current register: the last published state of every institution.
institutions = Table(
    "institutions",
    metadata,
    Column("number", String(6), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("aggregate_version", Integer, nullable=False),
    Column("dataset_version_id", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The current statistics, one row per municipality, indicator and year.
statistics_figures = Table(
    "statistics_figures",
    metadata,
    Column("municipality_code", Integer, primary_key=True),
    Column("indicator", String(40), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("value", Float, nullable=True),
    Column("source", String(100), nullable=False),
    Column("dataset_version_id", Integer, nullable=False),
)

# Aggregate version of each municipality's statistics (subject kommune:<code>).
statistics_aggregates = Table(
    "statistics_aggregates",
    metadata,
    Column("municipality_code", Integer, primary_key=True),
    Column("aggregate_version", Integer, nullable=False),
    Column("dataset_version_id", Integer, nullable=False),
)
