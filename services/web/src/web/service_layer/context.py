"""What every page of the web service gets: search's API, the page cache, the
municipal boundaries for the maps (read and simplified once, on first use) and
the clock that says which day it is."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from dagtilbud_contracts.vocabulary import portal_day
from web.domain.maps import Boundaries
from web.service_layer.accounts_gateway import AccountsGateway, AuthUnavailable
from web.service_layer.gateway import SearchGateway
from web.service_layer.imports_gateway import ImportsGateway, ImportsUnavailable
from web.service_layer.profiles_gateway import ProfilesGateway, ProfilesUnavailable
from web.service_layer.signing_in import TokenClaims, Verify
from web.service_layer.uploads import UploadStore


class PageCache(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, page: bytes) -> None: ...

    def forget(self, page: str) -> None: ...

    def close(self) -> None: ...


Clock = Callable[[], date]


def danish_today() -> date:
    """Today in Denmark, whatever the server's own time zone: a report made
    yesterday evening is a day old from midnight here."""
    return portal_day(datetime.now(UTC))


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


class Absent:
    """A service this context was built without (a parents'-pages-only test,
    a bench): every call fails as when the service is away."""

    def __init__(self, unavailable: type[Exception]) -> None:
        self._unavailable = unavailable

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            raise self._unavailable(name)

        return call


def _no_verifier(token: str) -> TokenClaims:
    raise AuthUnavailable("no verifier configured")


@dataclass(frozen=True)
class WebContext:
    search: SearchGateway
    page_cache: PageCache
    boundaries: Callable[[], Boundaries]
    settings: Mapping[str, Any] = field(default_factory=dict)
    closers: tuple[Callable[[], None], ...] = ()
    # Which day it is (closing days to come, open places that are stale);
    # tests hand in a clock they move.
    today: Clock = danish_today
    # The pages behind login: auth (logging in, letters, users), profiles
    # (editing) and ingest (uploads), and the check of an access token.
    accounts: AccountsGateway = field(default_factory=lambda: Absent(AuthUnavailable))
    profiles: ProfilesGateway = field(default_factory=lambda: Absent(ProfilesUnavailable))
    imports: ImportsGateway = field(default_factory=lambda: Absent(ImportsUnavailable))
    verify_token: Verify = _no_verifier
    # A file between its dry run and its real run.
    uploads: UploadStore = field(default_factory=lambda: Absent(ImportsUnavailable))  # type: ignore[assignment]

    def close(self) -> None:
        for close in self.closers:
            close()
