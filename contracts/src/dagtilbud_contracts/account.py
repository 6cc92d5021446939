"""Account aggregate: who can log in, with which role and scope.

Produced by auth on ``auth.accounts.v1``; key and subject are the account id.
The payload never carries a password, hash, token or any other secret: the
schema rejects unknown fields, so adding one by mistake fails validation.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from dagtilbud_contracts import _fields as f
from dagtilbud_contracts import vocabulary as v

CREATED = "dk.dagtilbud.account.created.v1"
PASSWORD_CHANGED = "dk.dagtilbud.account.password_changed.v1"  # noqa: S105 - a type name
LOCKED = "dk.dagtilbud.account.locked.v1"
DISABLED = "dk.dagtilbud.account.disabled.v1"

INSTITUTION = "institution_number"
MUNICIPALITY = "municipality_code"


class AccountSchema(Schema):
    """Full state of a login account, without any credential."""

    account_id = f.pattern(v.UUID_PATTERN, required=True, metadata={"format": "uuid"})
    username = f.pattern(
        r"^[A-Za-z0-9][A-Za-z0-9._@-]{2,99}$",
        required=True,
        metadata={"description": "Login name; for an institution account its number."},
    )
    role = f.choice(v.ROLES, required=True)
    institution_number = f.pattern(
        v.INSTITUTION_NUMBER_PATTERN,
        required=True,
        allow_none=True,
        metadata={"description": "Set for role institution, null otherwise."},
    )
    municipality_code = f.municipality_code(
        required=True,
        allow_none=True,
        metadata={
            "description": (
                "Set for role municipality; for role institution the institution's "
                "municipality when known; null for admin and dst."
            )
        },
    )
    status = f.choice(v.ACCOUNT_STATUSES, required=True)
    changed_at = fields.AwareDateTime(
        required=True,
        format="iso",
        metadata={"description": "When the change this event reports took effect."},
    )

    @validates_schema
    def _check_scope(self, data: dict[str, Any], **kwargs: Any) -> None:
        role = data["role"]
        institution, municipality = data["institution_number"], data["municipality_code"]
        if role == "institution" and institution is None:
            raise ValidationError("an institution account names its institution", INSTITUTION)
        if role != "institution" and institution is not None:
            raise ValidationError(f"a {role} account has no institution", INSTITUTION)
        if role == "municipality" and municipality is None:
            raise ValidationError("a municipality account names its municipality", MUNICIPALITY)
        if role in ("admin", "dst") and municipality is not None:
            raise ValidationError(f"a {role} account has no municipality", MUNICIPALITY)


class AccountCreatedSchema(AccountSchema):
    """Full state of the new account."""


class AccountPasswordChangedSchema(AccountSchema):
    """Full state of the account; only the fact that the password changed is
    published, never the password or its hash."""


class AccountLockedSchema(AccountSchema):
    """Full state of the account; status is locked (failed logins or an administrator)."""

    status = fields.String(required=True, validate=validate.Equal("locked"))


class AccountDisabledSchema(AccountSchema):
    """Full state of the account; status is disabled, e.g. because its institution closed."""

    status = fields.String(required=True, validate=validate.Equal("disabled"))
