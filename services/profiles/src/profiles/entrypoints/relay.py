"""Publishes the profiles outbox to Kafka: ``python -m profiles.entrypoints.relay``."""

from __future__ import annotations

from dagkit.runtime import run_relay
from dagtilbud_contracts.registry import topics_produced_by
from profiles.adapters.orm import kit_tables
from profiles.config import SERVICE, load_settings


def main() -> None:
    run_relay(SERVICE, load_settings(), kit_tables.outbox, topics_produced_by(SERVICE))


if __name__ == "__main__":
    main()
