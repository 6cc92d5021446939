"""make bench: measurements printed from one run, each beside its baseline.
``python -m tests.bench web_edits profile_edits`` runs only the benches named.

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
    web_edits,
    web_pages,
)

BENCHES = {
    "kit_roundtrip": kit_roundtrip.run,
    "ingest_import": ingest_import.run,
    "search_load": search_load.run,
    "read_model": read_model.run,
    "web_pages": web_pages.run,
    "tokens": tokens.run,
    "auth_login": auth_login.run,
    "profile_edits": profile_edits.run,
    "web_edits": web_edits.run,
}


def main() -> int:
    unknown = [name for name in sys.argv[1:] if name not in BENCHES]
    if unknown:
        print(f"no bench {', '.join(unknown)}; there are {', '.join(BENCHES)}")
        return 2
    chosen = sys.argv[1:] or list(BENCHES)
    results = [BENCHES[name]() for name in chosen]
    print()
    failed = [name for result in results for name, ok in result.items() if not ok]
    for name in failed:
        print(f"TARGET MISSED: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
