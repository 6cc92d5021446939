"""Accounts over HTTP: credential letters, a municipality's institution
accounts, the password change, the audit trail and the users an admin creates.

Every view is guarded by the kit's ``requires`` (a valid access token, the
roles named, the tenancy where the address names a tenant); the token's
``sub`` is the account id, and the use case then judges by the account as it
is stored now. A refusal is 403 and says nothing about whose the resource is.
Answers that carry a password are never stored by a cache (``no-store``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, NoReturn

from flask import Response, render_template, request, url_for
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from webargs.flaskparser import abort

from auth.domain.accounts import Account
from auth.domain.credential_letters import CredentialLetter, letters_csv
from auth.domain.passwords import PasswordPolicy
from auth.service_layer import accounts as use_cases
from auth.service_layer.accounts import (
    AccountConflict,
    AccountsDeps,
    AccountsError,
    InvalidRequest,
    NotAllowed,
    PasswordRefused,
    WrongPassword,
)
from auth.service_layer.letters import (
    InstitutionsClosed,
    InstitutionsRefused,
    IssuedMeanwhile,
    issue_letters,
    letters_filename,
)
from dagkit.tokens import (
    BEARER_SCHEME,
    Principal,
    current_principal,
    requires,
    same_municipality,
)
from dagkit.web import current_context
from dagtilbud_contracts.municipalities import MUNICIPALITY_CODES

TEMPLATES: Final = Path(__file__).resolve().parent.parent / "templates"
MAX_LETTERS_PER_REQUEST: Final = 2000
CSV: Final = "text/csv"
HTML: Final = "text/html"
# The answers that show a secret once: no cache keeps them, no page embeds them.
SECRET_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# The letters page: its stylesheet from this service, nothing else at all.
LETTERS_CSP: Final = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

blp = Blueprint(
    "accounts",
    __name__,
    url_prefix="/v1",
    description="Credential letters, institution accounts, password change, audit trail, users",
    template_folder=str(TEMPLATES),
)
_secured = blp.doc(security=[{BEARER_SCHEME: []}])


def accounts_context() -> AccountsDeps:
    """What the views need: the app's context itself when it is an
    ``AccountsDeps``, otherwise its ``accounts`` attribute."""
    context = current_context(object)
    deps = context if isinstance(context, AccountsDeps) else getattr(context, "accounts", None)
    if not isinstance(deps, AccountsDeps):
        raise RuntimeError("the app's context provides no AccountsDeps (its `accounts` field)")
    return deps


# --- schemas ----------------------------------------------------------------------------


class AccountsErrorSchema(Schema):
    """The app's Problem shape (``dagkit.problems``), with what the accounts
    refusals put under ``errors``."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    status = fields.String(required=True, metadata={"description": "The HTTP status"})
    message = fields.String(required=True, metadata={"description": "What is wrong, in English"})
    message_da = fields.String(required=True, metadata={"description": "What is wrong, in Danish"})
    errors = fields.Dict(
        metadata={
            "description": "Per input field (under `json` or `query`): what is wrong, "
            'as {"da": ..., "en": ...} (a password: one such object per problem, '
            "with its `problem` code)"
        }
    )


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class UtcDateTime(fields.DateTime):
    """Times are UTC; SQLite hands them back without an offset."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class LettersRequestSchema(StrictSchema):
    institutions = fields.List(
        fields.String(validate=validate.Regexp(r"^[A-Za-z0-9]{6}$")),
        validate=validate.Length(min=1, max=MAX_LETTERS_PER_REQUEST),
        metadata={"description": "Institution numbers, e.g. G20580"},
    )
    all = fields.Boolean(
        metadata={"description": "Every open institution of the municipality"},
    )
    municipality = fields.Integer(
        validate=validate.OneOf(MUNICIPALITY_CODES),
        metadata={
            "description": "With `all`: the municipality (admins; a municipality "
            "user's own is assumed)"
        },
    )

    @validates_schema
    def _one_choice(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("institutions" in data) == bool(data.get("all")):
            raise ValidationError("Give either `institutions` or `all: true`.", "institutions")
        if "municipality" in data and "institutions" in data:
            raise ValidationError("`municipality` goes with `all`.", "municipality")


class InstitutionAccountSchema(Schema):
    account_id = fields.String(required=True)
    institution_number = fields.String(required=True)
    name = fields.String(allow_none=True)
    municipality_code = fields.Integer(allow_none=True)
    status = fields.String(required=True, metadata={"description": "active, locked or disabled"})
    password_issued = fields.Boolean(
        required=True, metadata={"description": "A password was ever issued (or set)"}
    )
    password_changed_at = UtcDateTime(
        allow_none=True, metadata={"description": "When the password was last issued or set"}
    )
    can_log_in = fields.Boolean(required=True)


class PasswordChangeSchema(StrictSchema):
    current_password = fields.String(required=True, validate=validate.Length(max=1024))
    new_password = fields.String(required=True, validate=validate.Length(max=1024))
    refresh_token = fields.String(
        validate=validate.Length(max=512),
        metadata={"description": "The session's refresh token: that session stays logged in"},
    )


class AuditQuerySchema(StrictSchema):
    account = fields.String(
        validate=validate.Length(min=1, max=36), metadata={"description": "An account id"}
    )
    limit = fields.Integer(
        load_default=100, validate=validate.Range(min=1, max=use_cases.MAX_AUDIT_LIMIT)
    )


class AuditRecordSchema(Schema):
    at = UtcDateTime(required=True)
    action = fields.Function(lambda r: r.action.value, required=True)
    account_id = fields.String(allow_none=True)
    actor_account_id = fields.String(allow_none=True)
    municipality_code = fields.Integer(allow_none=True)
    client_address = fields.String(allow_none=True)
    detail = fields.Dict(required=True)


class NewUserSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=3, max=100))
    role = fields.String(required=True, validate=validate.OneOf(("municipality", "dst", "admin")))
    municipality_code = fields.Integer(load_default=None, allow_none=True)
    display_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )


class CreatedUserSchema(Schema):
    account_id = fields.String(required=True)
    username = fields.String(required=True)
    role = fields.String(required=True)
    municipality_code = fields.Integer(allow_none=True)
    display_name = fields.String(allow_none=True)
    status = fields.String(required=True)
    password = fields.String(
        required=True, metadata={"description": "The one-time password, shown only now"}
    )


# --- refusals ---------------------------------------------------------------------------


def _both(en: str, da: str) -> dict[str, str]:
    return {"da": da, "en": en}


def _password_problems(policy: PasswordPolicy, refused: PasswordRefused) -> list[dict[str, str]]:
    return [
        {"problem": p.value, "da": policy.message(p, "da"), "en": policy.message(p, "en")}
        for p in refused.problems
    ]


def refuse(exc: AccountsError, policy: PasswordPolicy | None = None) -> NoReturn:
    """The HTTP answer for a use case's refusal."""
    if isinstance(exc, InstitutionsRefused):
        reason = _both(
            "Unknown, or not an institution you may issue letters for.",
            "Ukendt, eller ikke en institution, du må udstede breve til.",
        )
        abort(
            403,
            message="No letters were issued: some institutions cannot be given letters by you.",
            errors={"json": {"institutions": {number: reason for number in exc.numbers}}},
        )
    if isinstance(exc, InstitutionsClosed):
        reason = _both("The institution has closed.", "Institutionen er lukket.")
        abort(
            409,
            message="No letters were issued: some institutions have closed.",
            errors={"json": {"institutions": {number: reason for number in exc.numbers}}},
        )
    if isinstance(exc, IssuedMeanwhile):
        reason = _both(
            "Its password changed while the letters were made; ask again.",
            "Adgangskoden blev ændret, mens brevene blev lavet; prøv igen.",
        )
        abort(
            409,
            message="No letters were issued: passwords changed meanwhile.",
            errors={"json": {"institutions": {number: reason for number in exc.numbers}}},
        )
    if isinstance(exc, PasswordRefused) and policy is not None:
        abort(
            422,
            message="The new password cannot be used.",
            errors={"json": {"new_password": _password_problems(policy, exc)}},
        )
    if isinstance(exc, WrongPassword):
        abort(
            422,
            message="The current password is wrong.",
            errors={
                "json": {
                    "current_password": [
                        _both(
                            "The current password is wrong.",
                            "Den nuværende adgangskode er forkert.",
                        )
                    ]
                }
            },
        )
    if isinstance(exc, InvalidRequest):
        abort(
            422,
            message=exc.message_en,
            errors={"json": {exc.field: [_both(exc.message_en, exc.message_da)]}},
        )
    if isinstance(exc, AccountConflict):
        abort(
            409,
            message="The username is taken.",
            errors={
                "json": {"username": [_both("The username is taken.", "Brugernavnet er optaget.")]}
            },
        )
    # NotAllowed, and anything else refused: no word about whose it is.
    abort(403)


def _actor(deps: AccountsDeps) -> Account:
    principal = current_principal()
    try:
        return use_cases.load_actor(deps.uow, principal.subject, principal.role)
    except NotAllowed as exc:
        refuse(exc)


def _client_address() -> str | None:
    address = request.remote_addr
    return address[:64] if address else None


def _documented(*codes: int) -> Callable[[Any], Any]:
    """The refusals a view may answer with, in its OpenAPI operation."""
    descriptions = {
        401: "No valid access token",
        403: "Not allowed for this account",
        404: "The address names no municipality code (a whole number, 0 or more)",
        406: "Neither text/csv nor text/html is acceptable",
        409: "Conflicts with the state of the accounts",
        422: "Invalid input",
        503: "The token cannot be verified now",
    }

    def decorate(view: Any) -> Any:
        for code in reversed(codes):
            view = blp.alt_response(
                code, schema=AccountsErrorSchema, description=descriptions[code]
            )(view)
        return view

    return decorate


# --- credential letters -----------------------------------------------------------------

_LETTERS_DOC = {
    "responses": {
        "200": {
            "description": "The letters, shown once: a CSV file (Danish Excel) or a "
            "print-ready page, one letter per page, by the Accept header",
            "content": {
                CSV: {"schema": {"type": "string"}},
                HTML: {"schema": {"type": "string"}},
            },
        }
    }
}


def _wanted_format() -> str:
    if not request.headers.get("Accept"):
        return CSV
    best = request.accept_mimetypes.best_match([CSV, HTML])
    if best is None:
        abort(406, message="Ask for text/csv or text/html.")
    return str(best)


@blp.route("/letters", methods=["POST"])
@_secured
@requires("municipality", "admin")
@blp.arguments(LettersRequestSchema)
@blp.doc(**_LETTERS_DOC)
@_documented(401, 403, 406, 409, 422, 503)
def letters(body: dict[str, Any]) -> Response:
    """New passwords for institutions, as credential letters.

    A municipality user for its own municipality's institutions (`all`: every
    open one), an admin for any. Each institution gets a new password (its
    sessions end); the answer is the only place it is ever shown. All or
    nothing: an institution that cannot be given a letter is named, and none
    is issued."""
    wanted = _wanted_format()
    deps = accounts_context()
    actor = _actor(deps)
    now = deps.clock()
    try:
        issued = issue_letters(
            deps.uow,
            deps.hasher,
            actor,
            body.get("institutions"),
            deps.login_url,
            now,
            municipality_code=body.get("municipality"),
            client_address=_client_address(),
        )
    except AccountsError as exc:
        refuse(exc)
    if wanted == HTML:
        return _letters_page(issued, deps, now)
    response = Response(letters_csv(issued).encode("utf-8"), status=200, mimetype=CSV)
    filename = letters_filename(issued, now.date())
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers.update(SECRET_HEADERS)
    return response


def _letters_page(issued: list[CredentialLetter], deps: AccountsDeps, now: datetime) -> Response:
    page = render_template(
        "letters.html",
        letters=issued,
        stylesheet=url_for("accounts.letters_css"),
        min_length=deps.policy.min_length,
        issued_on=now.date(),
    )
    response = Response(page, status=200, mimetype=HTML)
    response.headers.update(SECRET_HEADERS)
    response.headers["Content-Security-Policy"] = LETTERS_CSP
    response.headers["X-Frame-Options"] = "DENY"
    return response


LETTERS_CSS: Final = """\
@page { size: A4; margin: 22mm 20mm; }
:root { color: #111; background: #fff; }
body { margin: 0; font: 11pt/1.5 "Helvetica Neue", Arial, sans-serif; }
.letter { break-after: page; page-break-after: always; }
.letter:last-child { break-after: auto; page-break-after: auto; }
.sender { margin: 0 0 12mm; font-size: 9.5pt; color: #444; }
h1 { margin: 0 0 6mm; font-size: 18pt; }
h2 { margin: 8mm 0 2mm; font-size: 12pt; }
.recipient { margin: 0 0 8mm; font-size: 12pt; }
.credentials { display: grid; grid-template-columns: max-content 1fr; gap: 3mm 6mm;
  align-items: center; margin: 6mm 0; }
.credentials dt { font-weight: bold; }
.credentials dd { margin: 0; }
.secret { display: inline-block; padding: 2mm 4mm; border: 0.4mm solid #111;
  border-radius: 1.5mm; font: 15pt/1.2 "DejaVu Sans Mono", "Courier New", monospace;
  letter-spacing: 0.08em; }
.address { font-family: "DejaVu Sans Mono", "Courier New", monospace; word-break: break-all; }
.note { margin-top: 6mm; padding: 3mm 4mm; border-left: 1mm solid #111; font-size: 10pt; }
.issued { margin-top: 10mm; font-size: 9pt; color: #444; }
@media screen {
  body { background: #eee; }
  .letter { box-sizing: border-box; max-width: 210mm; min-height: 297mm; margin: 8mm auto;
    padding: 22mm 20mm; background: #fff; box-shadow: 0 0 2mm rgba(0, 0, 0, 0.2); }
}
"""


@blp.route("/letters.css", methods=["GET"])
@blp.doc(
    responses={
        "200": {
            "description": "The letters page's stylesheet",
            "content": {"text/css": {"schema": {"type": "string"}}},
        }
    }
)
def letters_css() -> Response:
    """The stylesheet of the letters page (served here, so the page needs no
    inline style under its Content-Security-Policy)."""
    response = Response(LETTERS_CSS, status=200, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- a municipality's institution accounts ----------------------------------------------


def _own_municipality(principal: Principal, code: int) -> bool:
    return principal.role == "admin" or same_municipality(principal, code)


@blp.route("/municipalities/<int:code>/institutions", methods=["GET"])
@_secured
@requires("municipality", "admin", tenancy=_own_municipality)
@blp.response(200, InstitutionAccountSchema(many=True))
@_documented(401, 403, 404, 503)
def institution_accounts(code: int) -> list[Any]:
    """The municipality's institution accounts: status, and whether and when a
    password was issued. Its own municipality users and admins."""
    deps = accounts_context()
    actor = _actor(deps)
    try:
        return list(use_cases.list_institution_accounts(deps.uow, actor, code))
    except AccountsError as exc:
        refuse(exc)


# --- the password change ----------------------------------------------------------------


@blp.route("/password", methods=["POST"])
@_secured
@requires()
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
@_documented(401, 403, 422, 503)
def change_password(body: dict[str, Any]) -> tuple[str, int, dict[str, str]]:
    """Change the account's own password: the current one, then a new one
    the policy accepts. Every other session of the account ends; the session
    whose `refresh_token` is given stays logged in."""
    deps = accounts_context()
    principal = current_principal()
    keep = use_cases.session_family(deps.uow, principal.subject, body.get("refresh_token"))
    try:
        use_cases.change_password(
            deps.uow,
            deps.hasher,
            deps.policy,
            principal.subject,
            body["current_password"],
            body["new_password"],
            keep,
            deps.clock(),
            client_address=_client_address(),
        )
    except AccountsError as exc:
        refuse(exc, deps.policy)
    return "", 204, dict(SECRET_HEADERS)


# --- the audit trail --------------------------------------------------------------------


@blp.route("/audit", methods=["GET"])
@_secured
@requires("admin", "municipality", "institution")
@blp.arguments(AuditQuerySchema, location="query", unknown=RAISE)
@blp.response(200, AuditRecordSchema(many=True))
@_documented(401, 403, 422, 503)
def audit(query: dict[str, Any]) -> list[Any]:
    """Who did what to which account, newest first. Admins: every record; a
    municipality user: its municipality's; an institution: its own."""
    deps = accounts_context()
    actor = _actor(deps)
    try:
        return list(use_cases.audit_trail(deps.uow, actor, query.get("account"), query["limit"]))
    except AccountsError as exc:
        refuse(exc)


# --- users ------------------------------------------------------------------------------


@blp.route("/users", methods=["POST"])
@_secured
@requires("admin")
@blp.arguments(NewUserSchema)
@blp.response(201, CreatedUserSchema)
@_documented(401, 403, 409, 422, 503)
def create_user(body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A municipality, dst or admin account (admins only), with a one-time
    password shown only in this answer."""
    deps = accounts_context()
    actor = _actor(deps)
    try:
        created = use_cases.create_user(
            deps.uow,
            deps.hasher,
            deps.policy,
            actor,
            username=body["username"],
            role=body["role"],
            municipality_code=body["municipality_code"],
            display_name=body["display_name"],
            now=deps.clock(),
            client_address=_client_address(),
        )
    except AccountsError as exc:
        refuse(exc)
    account = created.account
    answer = {
        "account_id": account.account_id,
        "username": account.username,
        "role": account.role.value,
        "municipality_code": account.municipality_code,
        "display_name": account.display_name,
        "status": account.status.value,
        "password": created.password,
    }
    return answer, 201, dict(SECRET_HEADERS)
