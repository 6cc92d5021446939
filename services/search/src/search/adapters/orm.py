"""The search service's tables. The kit's outbox and inbox live beside them."""

from __future__ import annotations

from dagkit.tables import add_kit_tables, service_metadata

metadata = service_metadata()
kit_tables = add_kit_tables(metadata)
