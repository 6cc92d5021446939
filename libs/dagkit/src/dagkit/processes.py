"""Long-running process mechanics: signal handling for relays and consumers."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from types import FrameType

log = logging.getLogger(__name__)


def stop_on_signals(stop: Callable[[], None]) -> None:
    """SIGTERM and SIGINT ask the loop to finish its current work and exit."""

    def _handler(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping on signal", extra={"signal": signal.Signals(signum).name})
        stop()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
