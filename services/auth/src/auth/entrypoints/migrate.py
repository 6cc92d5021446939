"""Brings the auth database to the newest migration:
``python -m auth.entrypoints.migrate``."""

from __future__ import annotations

from pathlib import Path

from auth.config import SERVICE, load_settings
from dagkit.db import database_url_or_default
from dagkit.migrations import upgrade

# services/auth: the package is installed editable, its history sits beside src/.
SERVICE_ROOT = Path(__file__).resolve().parents[3]


def main() -> None:
    settings = load_settings()
    url = database_url_or_default(settings["database_url"], settings["data_dir"], SERVICE)
    upgrade(SERVICE_ROOT, url)


if __name__ == "__main__":
    main()
