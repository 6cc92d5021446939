"""The relay the round-trip benchmark runs as its own process."""

from __future__ import annotations

import sys

from dagkit.db import make_engine
from dagkit.processes import stop_on_signals
from dagkit.relay import OutboxRelay, relay_producer
from tests.bench.kit_roundtrip import kit


def main() -> None:
    url, bootstrap = sys.argv[1], sys.argv[2]
    relay = OutboxRelay(
        make_engine(url), kit.outbox, relay_producer(bootstrap, "bench-relay"), service="bench"
    )
    stop_on_signals(relay.stop)
    relay.run()


if __name__ == "__main__":
    main()
