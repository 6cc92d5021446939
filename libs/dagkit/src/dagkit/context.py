"""What a service's app is built from when its views need only the settings
and the database: composed once at start, reached by views through
``dagkit.web.current_context(DatabaseContext)``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from dagkit.db import engine_from_settings


@dataclass(frozen=True)
class DatabaseContext:
    settings: Mapping[str, Any]
    engine: Engine

    @classmethod
    def from_settings(cls, service: str, settings: Mapping[str, Any]) -> DatabaseContext:
        """The service's engine on DATABASE_URL (or its SQLite file under DATA_DIR)."""
        return cls(settings=dict(settings), engine=engine_from_settings(service, settings))

    def close(self) -> None:
        self.engine.dispose()
