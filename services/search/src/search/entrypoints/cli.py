"""Command line: ``search rebuild`` drops the read model and replays the topics."""

from __future__ import annotations

import argparse
import sys
import time

from dagkit.db import engine_from_settings
from dagkit.kafka import dead_letter_topic, ensure_topics
from dagkit.logging import configure_logging
from search.config import SERVICE, load_settings
from search.service_layer.handlers import TOPICS
from search.service_layer.rebuild import rebuild


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="search", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "rebuild", help="drop the read model and replay every topic (stop the consumer first)"
    )
    parser.parse_args(argv)
    settings = load_settings()
    configure_logging(SERVICE, settings["log_level"])
    bootstrap = settings["kafka_bootstrap_servers"]
    ensure_topics(bootstrap, [*TOPICS, *(dead_letter_topic(t) for t in TOPICS)])
    engine = engine_from_settings(SERVICE, settings)
    started = time.perf_counter()
    rebuild(engine, bootstrap)
    print(f"read model rebuilt from {', '.join(TOPICS)} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
