"""A clock a test moves, for use cases and verifiers that take one, so a
test of "31 days later" never sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class MovableClock:
    """A clock that stands still until a test moves it (timezone-aware, UTC)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now if now is not None else datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, **delta: float) -> datetime:
        self.now += timedelta(seconds=seconds, **delta)
        return self.now

    def timestamp(self) -> float:
        return self.now.timestamp()
