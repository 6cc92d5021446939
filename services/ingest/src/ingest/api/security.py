"""Who may upload: accounts with role dst or admin. Until the auth service
issues tokens, a static bearer token from the environment stands for a dst
account; without one configured, HTTP uploads are refused."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, request
from flask_smorest import abort

F = TypeVar("F", bound=Callable[..., Any])


def require_uploader(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        expected = current_app.extensions["ingest.settings"].get("upload_token")
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if expected is None or scheme.lower() != "bearer" or not token:
            abort(401, message="A bearer token for a dst or admin account is required.")
        if not hmac.compare_digest(token.encode(), str(expected).encode()):
            abort(403, message="This token may not upload or read imports.")
        g.requested_by = "dst-upload-token"
        return view(*args, **kwargs)

    return cast(F, wrapper)
