"""Ed25519 key pairs and EdDSA-signed JWTs (``cryptography`` and PyJWT).

A private key is kept as unencrypted PKCS#8 PEM in auth's database; its public
half is published as an OKP JWK (RFC 8037) with ``use`` ``sig`` and ``alg``
``EdDSA``.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from auth.domain.tokens import ACCESS_TOKEN_TYPE, ALGORITHM


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_key_pair(kid: str) -> tuple[bytes, dict[str, Any]]:
    """A new Ed25519 key: (its private half as PKCS#8 PEM, its public JWK)."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    jwk = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(public),
        "kid": kid,
        "use": "sig",
        "alg": ALGORITHM,
    }
    return pem, jwk


@functools.lru_cache(maxsize=8)
def _private_key(pem: bytes) -> Ed25519PrivateKey:
    """The key of ``pem``, parsed once per process (a few keys live at a time)."""
    key = load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("a signing key is not an Ed25519 key")
    return key


def sign_access_token(private_pem: bytes, kid: str, claims: Mapping[str, Any]) -> str:
    """The compact JWS of ``claims``: header ``alg`` EdDSA, ``typ`` at+jwt, ``kid``."""
    return jwt.encode(
        dict(claims),
        _private_key(private_pem),
        algorithm=ALGORITHM,
        headers={"typ": ACCESS_TOKEN_TYPE, "kid": kid},
    )
