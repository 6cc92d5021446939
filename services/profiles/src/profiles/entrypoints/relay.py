"""Publishes the profiles outbox to Kafka: ``python -m profiles.entrypoints.relay``."""

from __future__ import annotations

from dagkit.runtime import run_relay
from profiles.adapters.orm import kit_tables
from profiles.config import SERVICE, load_settings

TOPICS = ["profiles.profiles.v1"]


def main() -> None:
    run_relay(SERVICE, load_settings(), kit_tables.outbox, TOPICS)


if __name__ == "__main__":
    main()
