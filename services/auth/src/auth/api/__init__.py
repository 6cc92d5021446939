"""The auth service's HTTP API: blueprints registered on the app's Api."""

from __future__ import annotations

from flask_smorest import Blueprint

from auth.api.accounts import blp as accounts_blueprint
from auth.api.keys import blp as keys_blueprint
from auth.api.tokens import blp as tokens_blueprint

blueprints: list[Blueprint] = [
    tokens_blueprint,
    keys_blueprint,
    accounts_blueprint,
]
