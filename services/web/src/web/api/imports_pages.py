"""Danmarks Statistik's and the admins' pages: uploads with a dry run first,
progress, reports, history; admins' users."""

from __future__ import annotations

from werkzeug.wrappers import Response

from web.api.account import render_page
from web.api.routing import behind_login
from web.api.session import requires_login


@behind_login("/selvbetjening/indlaesninger", "imports")
@requires_login("dst", "admin")
def imports() -> Response:
    return render_page("pages/account/home.html")


@behind_login("/selvbetjening/brugere", "users")
@requires_login("admin")
def users() -> Response:
    return render_page("pages/account/home.html")
