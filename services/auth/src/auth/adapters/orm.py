"""The auth service's tables. The kit's outbox and inbox live beside them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from dagkit.tables import BigId, add_kit_tables, service_metadata

metadata = service_metadata()
kit_tables = add_kit_tables(metadata)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(36), primary_key=True),
    # Institution numbers are stored upper case, usernames compared lower case.
    Column("username", String(100), nullable=False),
    Column("username_key", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("institution_number", String(6), nullable=True, unique=True),
    Column("municipality_code", Integer, nullable=True, index=True),
    Column("status", String(20), nullable=False),
    Column("password_hash", String(255), nullable=True),
    Column("display_name", String(200), nullable=True),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=True),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("family_id", String(36), nullable=False, index=True),
    Column("account_id", String(36), nullable=False, index=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_pem", LargeBinary, nullable=False),
    Column("public_jwk", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("signs_from", DateTime(timezone=True), nullable=False),
    Column("superseded_at", DateTime(timezone=True), nullable=True),
)

audit_records = Table(
    "audit_records",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", String(40), nullable=False),
    Column("account_id", String(36), nullable=True),
    Column("actor_account_id", String(36), nullable=True),
    Column("municipality_code", Integer, nullable=True),
    Column("client_address", String(64), nullable=True),
    Column("detail", JSON, nullable=False),
    Index("ix_audit_account_at", "account_id", "at"),
    Index("ix_audit_municipality_at", "municipality_code", "at"),
)
