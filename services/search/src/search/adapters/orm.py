"""The search read model: everything here is rebuilt from the topics.

Institutions and profiles are separate rows because their topics are not
ordered against each other: a profile may arrive before its institution.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    text,
)

from dagkit.tables import add_kit_tables, service_metadata

metadata = service_metadata()
kit_tables = add_kit_tables(metadata)

institutions = Table(
    "institutions",
    metadata,
    Column("number", String(6), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("name_folded", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("ownership", String(20), nullable=False),
    Column("municipality_code", Integer, nullable=False, index=True),
    Column("postcode", String(4), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("status", String(10), nullable=False),
    Column("accepts_0_2", Boolean, nullable=False),
    Column("accepts_3_5", Boolean, nullable=False),
    Column("register", JSON, nullable=False),  # the event's full state
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
# The database path of a radius search starts from a bounding box.
Index("ix_institutions_lat_lon", institutions.c.lat, institutions.c.lon)

profiles = Table(
    "profiles",
    metadata,
    Column("number", String(6), primary_key=True),
    Column("profile", JSON, nullable=False),  # the event's full state
    # Derived for filtering: the latest weekday opening and earliest weekday closing.
    Column("opens_latest", String(5), nullable=True),
    Column("closes_earliest", String(5), nullable=True),
    Column("meal_offered", Boolean, nullable=True),
    Column("meal_kind", String(40), nullable=True),
    Column("diets", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    # ISO 639-1 codes of the languages spoken besides Danish; [] when none is reported.
    Column("languages", JSON, nullable=False, server_default=text("'[]'")),
    # The meal scheme's organic share in percent; null when not reported.
    Column("organic_share_pct", Integer, nullable=True),
    # The profile's open places as reported ({age_group, status, from_month,
    # reported_on}); [] when none is reported.
    Column("open_places", JSON, nullable=False, server_default=text("'[]'")),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

municipality_statistics = Table(
    "municipality_statistics",
    metadata,
    Column("municipality_code", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("figures", JSON, nullable=False),  # [{indicator, year, value, source}]
    Column("dataset_version", String(100), nullable=False),
)

# Bumped in the transaction of every applied event: caches and the Redis geo
# index compare it with theirs and rebuild when they are behind.
read_model_state = Table(
    "read_model_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("generation", BigInteger, nullable=False),
)

national_figures = Table(
    "national_figures",
    metadata,
    Column("indicator", String(40), primary_key=True),
    Column("year", Integer, primary_key=True),
    # How normering was counted; "" for indicators without series (a key column
    # cannot be null).
    Column("series", String(40), primary_key=True, server_default=""),
    Column("value", Float, nullable=True),
    Column("method", String(40), nullable=False),
    Column("municipalities", Integer, nullable=False),
)
