"""The composition root: builds the profiles service's context from its
settings and hands views the context of their app."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from dagkit.db import engine_from_settings, make_session_factory
from profiles.config import SERVICE
from profiles.service_layer.context import ProfilesContext, utc_now
from profiles.service_layer.unit_of_work import SqlProfilesUnitOfWork

if TYPE_CHECKING:
    from flask import Flask


def build_context(
    settings: Mapping[str, Any],
    engine: Engine | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> ProfilesContext:
    engine = engine or engine_from_settings(SERVICE, settings)
    session_factory = make_session_factory(engine)
    return ProfilesContext(
        uow=lambda: SqlProfilesUnitOfWork(session_factory),
        clock=clock,
        settings=dict(settings),
        engine=engine,
    )


def context(app: Flask | None = None) -> ProfilesContext:
    """The context of the current app (or ``app``)."""
    from dagkit.web import current_context

    return current_context(ProfilesContext, app)
