"""What every page of the web service gets: search's API, the page cache and
the municipal boundaries for the maps (read and simplified once, on first use)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from web.domain.maps import Boundaries
from web.service_layer.gateway import SearchGateway


class PageCache(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, page: bytes) -> None: ...

    def close(self) -> None: ...


class LazyBoundaries:
    """Boundaries built on first use: a worker that only serves the about page
    never pays for projecting Denmark."""

    def __init__(self, load: Callable[[], Boundaries]) -> None:
        self._load = load
        self._value: Boundaries | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Boundaries:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._load()
        return self._value


@dataclass(frozen=True)
class WebContext:
    search: SearchGateway
    page_cache: PageCache
    boundaries: Callable[[], Boundaries]
    settings: Mapping[str, Any] = field(default_factory=dict)
    closers: tuple[Callable[[], None], ...] = ()

    def close(self) -> None:
        for close in self.closers:
            close()
