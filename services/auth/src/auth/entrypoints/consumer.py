"""Keeps the institution accounts in step with the register:
``python -m auth.entrypoints.consumer`` (``/healthz``, ``/readyz`` and
``/metrics`` on ``METRICS_PORT``)."""

from __future__ import annotations

from auth.config import SERVICE, load_settings
from auth.service_layer.handlers import CONSUMER
from dagkit.runtime import run_consumer


def main() -> None:
    run_consumer(SERVICE, load_settings(), CONSUMER)


if __name__ == "__main__":
    main()
