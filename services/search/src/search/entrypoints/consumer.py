"""Builds the read model from the topics: ``python -m search.entrypoints.consumer``."""

from __future__ import annotations

from dagkit.runtime import run_consumer
from search.adapters.orm import kit_tables
from search.config import SERVICE, load_settings
from search.service_layer.handlers import CONSUMER_GROUP, HANDLERS, TOPICS


def main() -> None:
    run_consumer(
        SERVICE,
        load_settings(),
        group=CONSUMER_GROUP,
        topics=TOPICS,
        handlers=HANDLERS,
        tables=kit_tables,
    )


if __name__ == "__main__":
    main()
