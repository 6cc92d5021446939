"""A municipality's pages: its institutions' completeness, dagpleje per
district, credential letters."""

from __future__ import annotations

from werkzeug.wrappers import Response

from web.api.account import render_page
from web.api.routing import behind_login
from web.api.session import requires_login


@behind_login("/selvbetjening/kommune/<int:code>", "municipality_home")
@requires_login("municipality", "admin")
def municipality_home(code: int) -> Response:
    return render_page("pages/account/home.html")


@behind_login("/selvbetjening/kommuner", "municipality_choice")
@requires_login("admin")
def municipality_choice() -> Response:
    return render_page("pages/account/home.html")
