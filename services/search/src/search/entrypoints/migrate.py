"""Brings the search database to the newest migration:
``python -m search.entrypoints.migrate``."""

from __future__ import annotations

from pathlib import Path

from dagkit.runtime import run_migrate
from search.config import SERVICE, load_settings

# services/search: the package is installed editable, its history sits beside src/.
SERVICE_ROOT = Path(__file__).resolve().parents[3]


def main() -> None:
    run_migrate(SERVICE, load_settings(), SERVICE_ROOT)


if __name__ == "__main__":
    main()
