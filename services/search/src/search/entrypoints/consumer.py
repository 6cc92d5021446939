"""Builds the read model from the topics: ``python -m search.entrypoints.consumer``."""

from __future__ import annotations

from dagkit.runtime import run_consumer
from search.config import SERVICE, load_settings
from search.service_layer.handlers import CONSUMER


def main() -> None:
    run_consumer(SERVICE, load_settings(), CONSUMER)


if __name__ == "__main__":
    main()
