"""Brings the auth database to the newest migration, then makes the first
admin when BOOTSTRAP_ADMIN_PASSWORD is set: ``python -m auth.entrypoints.migrate``.

The admin is made once: an existing account "admin" is left alone, whatever
its password. A password the policy refuses stops the process with one line
naming the problems (never the password) and status 2."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from auth.bootstrap import build_context
from auth.config import SERVICE, load_settings
from auth.service_layer.accounts import BOOTSTRAP_ADMIN_USERNAME, PasswordRefused, bootstrap_admin
from dagkit.runtime import run_migrate

# services/auth: the package is installed editable, its history sits beside src/.
SERVICE_ROOT = Path(__file__).resolve().parents[3]
REFUSED_STATUS = 2


def make_first_admin(settings: Mapping[str, Any], out: TextIO | None = None) -> int:
    """The first admin from ``bootstrap_admin_password``; the exit status."""
    password = settings.get("bootstrap_admin_password")
    if not password:
        return 0
    ctx = build_context(settings)
    try:
        deps = ctx.accounts
        try:
            admin = bootstrap_admin(deps.uow, deps.hasher, deps.policy, password, datetime.now(UTC))
        except PasswordRefused as exc:
            problems = " ".join(deps.policy.message(p, "en") for p in exc.problems)
            print(f"auth: BOOTSTRAP_ADMIN_PASSWORD is refused: {problems}", file=sys.stderr)
            return REFUSED_STATUS
    finally:
        ctx.close()
    if admin is not None:
        line = f"auth: the first admin is made (username: {BOOTSTRAP_ADMIN_USERNAME})"
        print(line, file=out or sys.stdout)
    return 0


def main() -> None:
    settings = load_settings()
    run_migrate(SERVICE, settings, SERVICE_ROOT)
    status = make_first_admin(settings)
    if status:
        sys.exit(status)


if __name__ == "__main__":
    main()
