"""Who asks: the access token auth issued, verified by the kit; the views turn
its principal into the domain's ``Editor``."""

from __future__ import annotations

from typing import Final

from dagkit.tokens import current_principal
from profiles.domain.tenancy import Editor

BEARER: Final = "bearerAuth"  # the security scheme's name in the OpenAPI document
SECURITY_SCHEME: Final = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from auth (POST /v1/token)",
}
EDITOR_ROLES: Final = ("institution", "municipality", "admin")
MUNICIPALITY_ROLES: Final = ("municipality", "admin")


def current_editor() -> Editor:
    principal = current_principal()
    return Editor(
        account_id=principal.subject,
        role=principal.role,
        municipality=principal.municipality,
        institution=principal.institution,
    )
