"""make bench: measurements printed from one run, each beside its baseline.

Uses the local PostgreSQL, Kafka and Redis (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, REDIS_URL).
"""

from __future__ import annotations

import sys

from tests.bench import (
    auth_login,
    ingest_import,
    kit_roundtrip,
    profile_edits,
    read_model,
    search_load,
    tokens,
    web_pages,
)


def main() -> int:
    results = [
        kit_roundtrip.run(),
        ingest_import.run(),
        search_load.run(),
        read_model.run(),
        web_pages.run(),
        tokens.run(),
        auth_login.run(),
        profile_edits.run(),
    ]
    print()
    failed = [name for result in results for name, ok in result.items() if not ok]
    for name in failed:
        print(f"TARGET MISSED: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
