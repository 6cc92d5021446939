"""Who may upload: accounts with role dst or admin. Until the auth service
issues tokens, a static bearer token from the environment stands for a dst
account; without one configured, HTTP uploads are refused."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request
from flask_smorest import abort

from ingest.bootstrap import context

F = TypeVar("F", bound=Callable[..., Any])

BEARER = "bearer"  # the security scheme's name in the OpenAPI document
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A token of a dst or admin account (until the auth service issues "
    "tokens: the INGEST_UPLOAD_TOKEN setting)",
}


def require_uploader(view: F) -> F:
    """Checks the token before anything else, the request body included: a
    caller without one learns that first, and nothing of the upload is read."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        expected = context().upload_token
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if expected is None or scheme.lower() != "bearer" or not token:
            abort(
                401,
                message="A bearer token for a dst or admin account is required.",
                message_da="Der kræves et bearer-token for en dst- eller admin-konto.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not hmac.compare_digest(token.encode(), str(expected).encode()):
            abort(
                403,
                message="This token may not upload or read imports.",
                message_da="Dette token må ikke uploade eller læse indlæsninger.",
            )
        g.requested_by = "dst-upload-token"
        return view(*args, **kwargs)

    return cast(F, wrapper)
