"""Who may upload and read imports: accounts with role dst or admin, shown by
an access token from auth (verified against auth's public keys; no secret is
shared with auth). The CLI and the drop folder need no token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Final, TypeVar, cast

from flask import g

from dagkit.tokens import bearer_security_scheme, current_principal, requires

F = TypeVar("F", bound=Callable[..., Any])

UPLOADER_ROLES: Final = ("dst", "admin")
SECURITY_SCHEME = bearer_security_scheme(
    "An access token from auth (POST /v1/token) of a dst or admin account"
)
# requested_by's column width.
MAX_REQUESTED_BY = 200


def require_uploader(view: F) -> F:
    """Checks the token before anything else, the request body included: a
    caller without one learns that first, and nothing of the upload is read.
    Records who asked (``g.requested_by``: role and account)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        principal = current_principal()
        g.requested_by = f"{principal.role}:{principal.subject}"[:MAX_REQUESTED_BY]
        return view(*args, **kwargs)

    return cast(F, requires(*UPLOADER_ROLES)(wrapper))
