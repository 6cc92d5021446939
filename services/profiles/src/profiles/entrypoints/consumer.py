"""Keeps profiles' knowledge of the register current:
``python -m profiles.entrypoints.consumer`` (``/healthz``, ``/readyz`` and
``/metrics`` on ``METRICS_PORT``)."""

from __future__ import annotations

from dagkit.runtime import run_consumer
from profiles.config import SERVICE, load_settings
from profiles.service_layer.handlers import CONSUMER


def main() -> None:
    run_consumer(SERVICE, load_settings(), CONSUMER)


if __name__ == "__main__":
    main()
