"""The public keys every service verifies access tokens with."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from auth.bootstrap import context
from auth.service_layer.keys import published_keys

blp = Blueprint(
    "keys",
    __name__,
    description="The JWK Set of the keys access tokens are signed with",
)


class JwkSchema(Schema):
    kty = fields.String(required=True, validate=validate.Equal("OKP"))
    crv = fields.String(required=True, validate=validate.Equal("Ed25519"))
    x = fields.String(required=True, metadata={"description": "The public key, base64url"})
    kid = fields.String(required=True, metadata={"example": "key-1"})
    use = fields.String(required=True, validate=validate.Equal("sig"))
    alg = fields.String(required=True, validate=validate.Equal("EdDSA"))


class JwksSchema(Schema):
    keys = fields.List(
        fields.Nested(JwkSchema),
        required=True,
        metadata={
            "description": "The key that signs now, the next one (published 6 minutes before "
            "it signs) and retired ones whose tokens may still be valid"
        },
    )


@blp.route("/.well-known/jwks.json")
class Jwks(MethodView):
    @blp.response(200, JwksSchema)
    def get(self) -> dict[str, Any]:
        """The public signing keys (RFC 7517), by kid."""
        return published_keys(context())
