"""Logging in and out, changing one's password, and where each role starts.

A failed login says one thing, whichever part was wrong; a throttled one says
how long to wait; auth away says so and keeps the username typed. A password
is never written back into a page.
"""

from __future__ import annotations

import math
import time
from contextlib import suppress
from typing import Any

from flask import make_response, redirect, render_template, request, session
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from web.api import labels
from web.api.i18n import in_page_language, page_url
from web.api.routing import behind_login
from web.api.session import (
    account,
    home_url,
    no_store,
    renew_session_id,
    requires_login,
    safe_next,
    signed_in,
)
from web.bootstrap import context
from web.service_layer import signing_in
from web.service_layer.accounts_gateway import (
    AccountNotAllowed,
    AuthUnavailable,
    LoginRefused,
    LoginThrottled,
    PasswordRefused,
    SessionEnded,
)

# Usernames are institution numbers (6 characters) or the accounts admins
# create; a password has a ceiling so a megabyte is not hashed.
USERNAME_MAX, PASSWORD_MAX = 100, 256


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField(
        _l("Institutionsnummer eller brugernavn"),
        validators=[
            DataRequired(_l("Skriv institutionsnummer eller brugernavn.")),
            Length(max=USERNAME_MAX, message=_l("Brugernavnet er for langt.")),
        ],
    )
    password = PasswordField(
        _l("Adgangskode"),
        validators=[
            DataRequired(_l("Skriv din adgangskode.")),
            Length(max=PASSWORD_MAX, message=_l("Adgangskoden er for lang.")),
        ],
    )


class PasswordForm(FlaskForm):  # type: ignore[misc]
    current_password = PasswordField(
        _l("Nuværende adgangskode"),
        validators=[
            DataRequired(_l("Skriv din nuværende adgangskode.")),
            Length(max=PASSWORD_MAX, message=_l("Adgangskoden er for lang.")),
        ],
    )
    new_password = PasswordField(
        _l("Ny adgangskode"),
        validators=[
            DataRequired(_l("Skriv en ny adgangskode.")),
            Length(max=PASSWORD_MAX, message=_l("Adgangskoden er for lang.")),
        ],
    )
    repeat_password = PasswordField(
        _l("Gentag den nye adgangskode"),
        validators=[DataRequired(_l("Skriv den nye adgangskode igen."))],
    )


def render_page(template: str, status: int = 200, **values: Any) -> Response:
    """A page behind login: rendered, never stored by a browser or proxy."""
    return no_store(
        make_response(
            render_template(template, labels=labels, signed_in=signed_in(), **values), status
        )
    )


def field_errors(form: FlaskForm) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in form.errors.items() if name}


@behind_login("/log-ind", "login", methods=("GET", "POST"))
def login() -> Response:
    target = request.args.get("next")
    current = signed_in()
    if request.method == "GET" and current is not None:
        return redirect(target if target and safe_next(target) else home_url(current))
    form = LoginForm()
    notice: str | None = None
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            ctx = context()
            username = form.username.data.strip()
            try:
                tokens = ctx.accounts.login(username, form.password.data)
            except LoginRefused:
                notice, status = "refused", 401
            except LoginThrottled as throttled:
                notice, status = "throttled", 429
                wait_minutes = max(1, math.ceil(throttled.retry_after_s / 60))
                response = render_page(
                    "pages/account/login.html",
                    status,
                    form=_without_password(form),
                    errors={},
                    notice=notice,
                    wait_minutes=wait_minutes,
                )
                response.headers["Retry-After"] = str(throttled.retry_after_s)
                return response
            except AuthUnavailable:
                notice, status = "unavailable", 503
            else:
                signing_in.start(session, tokens, username, time.time())
                renew_session_id()
                current = signed_in(again=True)
                if current is None:  # a token auth just issued and this service refuses
                    notice, status = "unavailable", 503
                else:
                    return redirect(target if target and safe_next(target) else home_url(current))
    response = render_page(
        "pages/account/login.html",
        status,
        form=_without_password(form),
        errors=field_errors(form),
        notice=notice,
    )
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


def _without_password(form: LoginForm) -> LoginForm:
    form.password.data = ""
    return form


@behind_login("/log-ud", "logout", methods=("POST",))
def logout() -> Response:
    ctx = context()
    # With auth away the user is logged out here all the same; the login
    # ends at auth when its refresh token runs out.
    with suppress(AuthUnavailable):
        signing_in.end(session, ctx.accounts)
    return no_store(make_response(redirect(_logged_out_url())))


def _logged_out_url() -> str:
    return page_url("login") + "?logget-ud=1"


@behind_login("/selvbetjening/adgangskode", "change_password", methods=("GET", "POST"))
@requires_login()
def change_password() -> Response:
    form = PasswordForm()
    errors: dict[str, list[str]] = {}
    notice: str | None = None
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            if form.new_password.data != form.repeat_password.data:
                errors["repeat_password"] = [str(_l("De to nye adgangskoder er ikke ens."))]
            else:
                ctx = context()
                try:
                    ctx.accounts.change_password(
                        account().access_token,
                        form.current_password.data,
                        form.new_password.data,
                        signing_in.refresh_token(session),
                    )
                except PasswordRefused as refused:
                    status = 422
                    for problem in refused.problems:
                        field = problem.get("field") or "new_password"
                        if field not in ("current_password", "new_password"):
                            field = "new_password"
                        errors.setdefault(field, []).append(in_page_language(problem))
                except (SessionEnded, AccountNotAllowed):
                    session.clear()
                    return redirect(_logged_out_url())
                except AuthUnavailable:
                    notice, status = "unavailable", 503
                else:
                    notice, status = "changed", 200
        errors = {**field_errors(form), **errors}
    for field in (form.current_password, form.new_password, form.repeat_password):
        field.data = ""
    return render_page(
        "pages/account/password.html", status, form=form, errors=errors, notice=notice
    )


@behind_login("/selvbetjening", "account_home")
@requires_login()
def account_home() -> Response:
    """Where an account starts: its own pages, or for DST and admins the list
    of what they can do."""
    current = account()
    if current.role in ("institution", "municipality"):
        return redirect(home_url(current))
    return render_page("pages/account/home.html")
