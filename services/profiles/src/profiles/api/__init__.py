"""The profiles service's HTTP API: blueprints registered on the app's Api."""

from __future__ import annotations

from flask_smorest import Blueprint

blueprints: list[Blueprint] = []
