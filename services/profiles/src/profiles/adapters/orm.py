"""The profiles service's tables. The kit's outbox and inbox live beside them."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, Table

from dagkit.tables import add_kit_tables, service_metadata

metadata = service_metadata()
kit_tables = add_kit_tables(metadata)

# What the register says of each institution (from ingest.institutions.v1).
institutions = Table(
    "institutions",
    metadata,
    Column("number", String(6), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("municipality_code", Integer, nullable=False, index=True),
    Column("accepts_0_2", Boolean, nullable=False),
    Column("accepts_3_5", Boolean, nullable=False),
    Column("closed", Boolean, nullable=False),
)

# The current profile; ``version`` is the ETag and the events' aggregateversion,
# and an edit writes only where it is still the version the editor read.
profiles = Table(
    "profiles",
    metadata,
    Column("number", String(6), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("content", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=True),
    Column("updated_by", String(36), nullable=True),
    Column("sections_saved_at", JSON, nullable=False),
)

# Every accepted change: who, when, which fields, and the whole profile after it.
# (number, version) is the key, so two writers of one version cannot both land.
profile_changes = Table(
    "profile_changes",
    metadata,
    Column("number", String(6), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("account_id", String(36), nullable=False),
    Column("role", String(20), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("correlation_id", String(100), nullable=True),
    Column("content", JSON, nullable=False),
)
