"""The first admin, made by the migration from BOOTSTRAP_ADMIN_PASSWORD: once,
and never with a password the policy refuses (which is never echoed)."""

from __future__ import annotations

import pytest

from auth.bootstrap import build_context
from auth.config import load_settings
from auth.entrypoints.migrate import REFUSED_STATUS, make_first_admin
from auth.service_layer.accounts import BOOTSTRAP_ADMIN_USERNAME

ADMIN_PASSWORD = "ænderne på søen kvækker om morgenen"


def _admin_hash(environ: dict[str, str]) -> str | None:
    ctx = build_context(load_settings(environ))
    try:
        with ctx.uow() as work:
            admin = work.accounts.by_username(BOOTSTRAP_ADMIN_USERNAME)
            return None if admin is None else admin.password_hash
    finally:
        ctx.close()


def test_no_password_makes_no_admin(auth_environ: dict[str, str]) -> None:
    assert make_first_admin(load_settings(auth_environ)) == 0
    assert _admin_hash(auth_environ) is None


def test_the_admin_is_made_once(
    auth_environ: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {**auth_environ, "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD}
    assert make_first_admin(load_settings(environ)) == 0
    first = _admin_hash(environ)
    assert first is not None
    assert "username: admin" in capsys.readouterr().out

    again = {**auth_environ, "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD + " igen"}
    assert make_first_admin(load_settings(again)) == 0
    assert _admin_hash(again) == first
    assert capsys.readouterr().out == ""


def test_a_refused_password_stops_with_one_line_without_it(
    auth_environ: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    refused = "kort1"
    environ = {**auth_environ, "BOOTSTRAP_ADMIN_PASSWORD": refused}
    assert make_first_admin(load_settings(environ)) == REFUSED_STATUS
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "BOOTSTRAP_ADMIN_PASSWORD is refused" in err
    assert refused not in err
    assert _admin_hash(environ) is None
