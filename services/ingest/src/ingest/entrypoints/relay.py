"""Publishes the ingest outbox to Kafka: ``python -m ingest.entrypoints.relay``."""

from __future__ import annotations

from dagkit.runtime import run_relay
from dagtilbud_contracts.registry import topics_produced_by
from ingest.adapters.orm import kit_tables
from ingest.config import SERVICE, load_settings


def main() -> None:
    run_relay(SERVICE, load_settings(), kit_tables.outbox, topics_produced_by(SERVICE))


if __name__ == "__main__":
    main()
