"""Who asks: the access token auth issued, verified by the kit; the views turn
its principal into the domain's ``Editor``."""

from __future__ import annotations

from typing import Final

from dagkit.tokens import bearer_security_scheme, current_principal
from profiles.domain.tenancy import Editor

SECURITY_SCHEME: Final = bearer_security_scheme("An access token from auth (POST /v1/token)")
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
