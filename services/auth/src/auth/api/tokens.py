"""Logging in and out: access and refresh tokens, and who a token speaks for."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from webargs.flaskparser import abort

from auth.bootstrap import context
from auth.domain.tokens import TOKEN_TYPE
from auth.service_layer.ports import RevocationsUnavailable, ThrottleUnavailable, TooManyAttempts
from auth.service_layer.tokens import (
    AccessToken,
    InvalidRefreshToken,
    IssuedTokens,
    LoginFailed,
    log_in,
    log_out,
    refresh,
    who_am_i,
)
from dagkit.problems import RETRY_AFTER, ProblemSchema, limit_body
from dagkit.tokens import (
    BEARER_SCHEME,
    InvalidToken,
    VerifierUnavailable,
    bearer_security_scheme,
    bearer_token,
    current_principal,
    requires,
    token_verifier,
)

SECURITY_SCHEME = bearer_security_scheme(
    "An access token from POST /v1/token (EdDSA-signed JWT, 15 minutes)"
)
# Token answers are never stored by a cache (RFC 6749, 5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

WRONG_CREDENTIALS: dict[str, Any] = {
    "message": "Wrong username or password.",
    "message_da": "Forkert brugernavn eller adgangskode.",
}
INVALID_REFRESH: dict[str, Any] = {
    "message": "The refresh token is not valid. Please log in again.",
    "message_da": "Fornyelsestokenet er ikke gyldigt. Log venligst ind igen.",
}
LOGIN_UNAVAILABLE: dict[str, Any] = {
    "message": "Logging in is not possible right now. Please try again in a moment.",
    "message_da": "Det er ikke muligt at logge ind lige nu. Prøv venligst igen om lidt.",
}
LOGOUT_UNAVAILABLE: dict[str, Any] = {
    "message": "Logging out cannot be completed right now. Please try again in a moment.",
    "message_da": "Log ud kan ikke gennemføres lige nu. Prøv venligst igen om lidt.",
}
UNAVAILABLE_RETRY_S = 5

blp = Blueprint(
    "tokens",
    __name__,
    url_prefix="/v1",
    description="Logging in: access tokens, refresh tokens and logging out",
)
limit_body(blp)


class LoginSchema(Schema):
    username = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Institution number or e-mail address", "example": "G18062"},
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The account's password", "format": "password"},
    )


class RefreshSchema(Schema):
    refresh_token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The refresh token of the last token answer"},
    )


class TokenSchema(Schema):
    access_token = fields.String(
        required=True,
        metadata={
            "description": "JWT (EdDSA, typ at+jwt) for the Authorization header of every "
            "service; verify it with the keys at /.well-known/jwks.json"
        },
    )
    token_type = fields.String(required=True, metadata={"example": TOKEN_TYPE})
    expires_in = fields.Integer(
        required=True, metadata={"description": "Seconds the access token is valid", "example": 900}
    )
    refresh_token = fields.String(
        required=True,
        metadata={
            "description": "Opaque, single use: POST it to /v1/token/refresh for the next pair "
            "(a login lasts 12 hours however often it is refreshed)"
        },
    )


class AccountSummarySchema(Schema):
    account_id = fields.String(required=True)
    username = fields.String(required=True, metadata={"example": "G18062"})
    role = fields.String(
        required=True,
        validate=validate.OneOf(["institution", "municipality", "admin", "dst"]),
    )
    institution_number = fields.String(required=True, allow_none=True)
    municipality_code = fields.Integer(required=True, allow_none=True)
    display_name = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["active", "locked", "disabled"]))


def _answer(issued: IssuedTokens) -> tuple[dict[str, Any], int, dict[str, str]]:
    body = {
        "access_token": issued.access_token,
        "token_type": TOKEN_TYPE,
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
    }
    return body, 200, NO_STORE


def _wait(refused: TooManyAttempts) -> NoReturn:
    seconds = refused.retry_after_s
    english = "1 second" if seconds == 1 else f"{seconds} seconds"
    danish = "1 sekund" if seconds == 1 else f"{seconds} sekunder"
    abort(
        429,
        message=f"Too many failed logins. Please wait {english} and try again.",
        message_da=f"For mange mislykkede forsøg på at logge ind. "
        f"Vent venligst {danish}, og prøv så igen.",
        headers={"Retry-After": str(seconds)},
    )


def _json_body_refusals(view: Any) -> Any:
    """The answers to a JSON body that is refused (malformed, too large, invalid)."""
    for code, description in (
        (400, "The body is not valid JSON"),
        (413, "The body is larger than 4 KB"),
        (422, "A field is missing, unknown or invalid"),
    ):
        view = blp.alt_response(code, schema=ProblemSchema, description=description)(view)
    return view


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    @_json_body_refusals
    @blp.alt_response(
        401,
        schema=ProblemSchema,
        description="Wrong username or password: the same answer for an unknown username, a "
        "wrong password and an account that may not log in",
    )
    @blp.alt_response(
        429,
        schema=ProblemSchema,
        headers=RETRY_AFTER,
        description="Too many failed logins for this username or from this address: wait "
        "Retry-After seconds",
    )
    @blp.alt_response(
        503,
        schema=ProblemSchema,
        headers=RETRY_AFTER,
        description="The login throttle cannot be reached; no login goes ahead without it",
    )
    def post(self, body: dict[str, Any]) -> Any:
        """Log in with username and password: an access token and a refresh token."""
        try:
            issued = log_in(context(), body["username"], body["password"], request.remote_addr)
        except TooManyAttempts as refused:
            _wait(refused)
        except LoginFailed:
            abort(401, **WRONG_CREDENTIALS)
        except ThrottleUnavailable:
            abort(503, **LOGIN_UNAVAILABLE, headers={"Retry-After": str(UNAVAILABLE_RETRY_S)})
        return _answer(issued)


@blp.route("/token/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenSchema)
    @_json_body_refusals
    @blp.alt_response(
        401,
        schema=ProblemSchema,
        description="The refresh token is unknown, used, revoked or expired (a used one "
        "revokes every token of its login)",
    )
    def post(self, body: dict[str, Any]) -> Any:
        """Use a refresh token up for a new access token and the next refresh token."""
        try:
            issued = refresh(context(), body["refresh_token"], request.remote_addr)
        except InvalidRefreshToken:
            abort(401, **INVALID_REFRESH)
        return _answer(issued)


def _presented_access_token() -> AccessToken | None:
    """The bearer token of the request, when it is a valid access token
    (an expired or refused one has nothing left to revoke)."""
    try:
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            return None
        principal = token_verifier().verify(token)
    except InvalidToken:
        return None
    except VerifierUnavailable:
        abort(503, **LOGOUT_UNAVAILABLE, headers={"Retry-After": str(UNAVAILABLE_RETRY_S)})
    return AccessToken(principal.token_id, principal.expires_at)


@blp.route("/logout")
class Logout(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(204)
    @_json_body_refusals
    @blp.alt_response(
        503,
        schema=ProblemSchema,
        headers=RETRY_AFTER,
        description="The access token cannot be revoked right now",
    )
    @blp.doc(security=[{}, {BEARER_SCHEME: []}])
    def post(self, body: dict[str, Any]) -> None:
        """Log out: revoke the refresh token's login and, with a bearer access token,
        that access token until it expires. Answers 204 for an unknown refresh token
        too: the session is over either way."""
        access = _presented_access_token()
        try:
            log_out(context(), body["refresh_token"], access, request.remote_addr)
        except RevocationsUnavailable:
            abort(503, **LOGOUT_UNAVAILABLE, headers={"Retry-After": str(UNAVAILABLE_RETRY_S)})


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, AccountSummarySchema)
    @blp.alt_response(
        401, schema=ProblemSchema, description="No access token, or one that is not valid"
    )
    @blp.alt_response(404, schema=ProblemSchema, description="The account no longer exists")
    @blp.alt_response(
        503,
        schema=ProblemSchema,
        headers=RETRY_AFTER,
        description="The token cannot be checked right now",
    )
    @blp.doc(security=[{BEARER_SCHEME: []}])
    @requires()
    def get(self) -> dict[str, Any]:
        """The account the access token speaks for."""
        account = who_am_i(context(), current_principal().subject)
        if account is None:
            abort(404)
        return {
            "account_id": account.account_id,
            "username": account.username,
            "role": account.role.value,
            "institution_number": account.institution_number,
            "municipality_code": account.municipality_code,
            "display_name": account.display_name,
            "status": account.status.value,
        }
