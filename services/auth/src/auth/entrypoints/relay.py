"""Publishes the auth outbox to Kafka: ``python -m auth.entrypoints.relay``."""

from __future__ import annotations

from auth.adapters.orm import kit_tables
from auth.config import SERVICE, load_settings
from dagkit.runtime import run_relay
from dagtilbud_contracts.registry import topics_produced_by


def main() -> None:
    run_relay(SERVICE, load_settings(), kit_tables.outbox, topics_produced_by(SERVICE))


if __name__ == "__main__":
    main()
