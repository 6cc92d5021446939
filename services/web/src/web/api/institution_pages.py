"""An institution's own pages: edit each section of its profile, preview its
public page, read its change history."""

from __future__ import annotations

from werkzeug.wrappers import Response

from web.api.account import render_page
from web.api.routing import behind_login
from web.api.session import requires_login


@behind_login("/selvbetjening/institution/<number>", "institution_home")
@requires_login("institution", "municipality", "admin")
def institution_home(number: str) -> Response:
    return render_page("pages/account/home.html")
