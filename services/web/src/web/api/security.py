"""Security headers for every response: a CSP without 'unsafe-inline', no
framing, no referrer leaving the site, HSTS when served over TLS."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

SELF = "'self'"
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "default-src": SELF,
    "script-src": SELF,
    "style-src": SELF,
    "img-src": [SELF, "data:"],
    "font-src": SELF,
    "connect-src": SELF,
    "form-action": SELF,
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def install_security_headers(app: Flask, *, behind_tls: bool) -> None:
    if behind_tls:
        # The proxy terminates TLS; trust its X-Forwarded-Proto so HSTS and
        # https URLs follow the parent's real connection.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1)  # type: ignore[method-assign]
    Talisman(
        app,
        force_https=False,
        strict_transport_security=behind_tls,
        strict_transport_security_max_age=31536000,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={"geolocation": "(self)", "camera": "()", "microphone": "()"},
        session_cookie_secure=behind_tls,
        x_content_type_options=True,
    )
