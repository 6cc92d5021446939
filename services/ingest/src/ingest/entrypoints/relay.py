"""Publishes the ingest outbox to Kafka: ``python -m ingest.entrypoints.relay``."""

from __future__ import annotations

from dagkit.runtime import run_relay
from ingest.adapters.orm import kit_tables
from ingest.config import SERVICE, load_settings

TOPICS = ["ingest.institutions.v1", "ingest.statistics.v1"]


def main() -> None:
    run_relay(SERVICE, load_settings(), kit_tables.outbox, TOPICS)


if __name__ == "__main__":
    main()
