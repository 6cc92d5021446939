"""Command line of the search service.

``search rebuild`` drops the read model and replays the topics;
``search dlq list|replay`` shows the read model's dead letters and applies them
again once their cause is fixed.
"""

from __future__ import annotations

import argparse
import sys
import time

from dagkit.db import engine_from_settings, make_session_factory
from dagkit.dlq import add_dlq_commands, run_dlq_command
from dagkit.kafka import dead_letter_topic, ensure_topics
from dagkit.logging import configure_logging
from search.config import SERVICE, load_settings
from search.service_layer.handlers import CONSUMER
from search.service_layer.rebuild import rebuild


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="search", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "rebuild", help="drop the read model and replay every topic (stop the consumer first)"
    )
    add_dlq_commands(commands)
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(SERVICE, settings["log_level"])
    bootstrap = settings["kafka_bootstrap_servers"]
    engine = engine_from_settings(SERVICE, settings)
    if args.command == "dlq":
        return run_dlq_command(args, CONSUMER, make_session_factory(engine), bootstrap, sys.stdout)
    topics = CONSUMER.topics
    ensure_topics(bootstrap, [*topics, *(dead_letter_topic(t) for t in topics)])
    started = time.perf_counter()
    rebuild(engine, bootstrap)
    print(f"read model rebuilt from {', '.join(topics)} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
