"""What the cross-service tests and tools know about the services."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    port: int
    has_database: bool

    @property
    def root(self) -> Path:
        return ROOT / "services" / self.name

    @property
    def openapi_path(self) -> Path:
        return self.root / "openapi.json"

    def settings(self, environ: dict[str, str]) -> dict[str, Any]:
        config = importlib.import_module(f"{self.name}.config")
        result: dict[str, Any] = config.load_settings(environ)
        return result

    def create_app(self, environ: dict[str, str]) -> Any:
        app_module = importlib.import_module(f"{self.name}.app")
        return app_module.create_app(self.settings(environ))


SERVICES = [
    ServiceInfo("web", 8000, has_database=False),
    ServiceInfo("ingest", 8001, has_database=True),
    ServiceInfo("auth", 8002, has_database=True),
    ServiceInfo("profiles", 8003, has_database=True),
    ServiceInfo("search", 8004, has_database=True),
]
