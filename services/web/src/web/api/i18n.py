"""Danish first, English under /en/: one set of pages registered twice.

The language is the address's, never a cookie's or the browser's, so every
page has one stable, shareable address per language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from babel.dates import format_skeleton
from flask import Flask, request, url_for
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale

from web.domain.indicators import unit_of

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
ENGLISH_PREFIX = "/en"


def current_language() -> str:
    if not request:
        return DEFAULT_LANGUAGE
    if request.blueprint == "en":
        return "en"
    # An address that matched no page still has a language: /en/... is English.
    if request.blueprint is None and request.path.startswith(ENGLISH_PREFIX + "/"):
        return "en"
    return DEFAULT_LANGUAGE


def in_page_language(reason: Any) -> str:
    """A backing service's reason, ``{"en": ..., "da": ...}``, in the page's
    language (the other one when it lacks this one); any other value as text."""
    if isinstance(reason, Mapping):
        english, danish = reason.get("en"), reason.get("da")
        first = english if current_language() == "en" else danish
        return str(first or english or danish or "")
    return str(reason)


def page_url(endpoint: str, **values: Any) -> str:
    """The address of a page in the language of the current one."""
    return url_for(f"{current_language()}.{endpoint}", **values)


def other_language_url() -> str:
    """This page, with its parameters, in the other language."""
    other = "da" if current_language() == "en" else "en"
    blueprint, _, endpoint = (request.endpoint or "").partition(".")
    if blueprint not in LANGUAGES:
        # Not one of the pages (an address that matched nothing): the front page.
        return url_for(f"{other}.front")
    values: dict[str, Any] = dict(request.view_args or {})
    args = request.args.to_dict(flat=False)
    values.update({k: v for k, v in args.items() if k not in values})
    return url_for(f"{other}.{endpoint}", **values)


def number(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" if decimals == 0 else "#,##0." + "0" * decimals
    return str(format_decimal(value, format=pattern))


def day(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return str(format_datetime(value, format="long"))
    return str(format_date(value, format="long"))


def day_range(first: date, last: date | None = None) -> str:
    """A closing range as the page writes it: 20. juli – 31. juli 2026 (the
    year once when both days share it); a single day as ``day`` writes it."""
    if last is None or last == first:
        return day(first)
    if last.year == first.year:
        start = str(format_skeleton("MMMMd", first, locale=get_locale()))
    else:
        start = day(first)
    return f"{start} – {day(last)}"


def month(value: date | None) -> str:
    """A month and its year: august 2026, August 2026."""
    if value is None:
        return "–"
    return str(format_skeleton("yMMMM", value, locale=get_locale()))


def formatter(indicator: str) -> Callable[[float | None], str]:
    """How a figure of ``indicator`` is written: 2,9 · 57,4 % · 17.529."""
    unit = unit_of(indicator)
    if unit == "count":
        return lambda value: number(value, 0)
    if unit == "percent":
        return lambda value: number(value, 1) + " %" if value is not None else "–"
    return lambda value: number(value, 1)


def install_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Copenhagen")
    Babel(app, locale_selector=current_language)
    app.jinja_env.globals.update(
        page_url=page_url,
        other_language_url=other_language_url,
        current_language=current_language,
        get_locale=get_locale,
    )
    app.jinja_env.filters.update(number=number, day=day, day_range=day_range, month=month)
    app.jinja_env.globals["formatter"] = formatter
