"""Command line of the auth service.

``auth rotate-keys`` stores a new signing key: published at once, signing
after KEY_PUBLISH_AHEAD_SECONDS (6 minutes), while the key it takes over from
stays published until its last token has expired; keys no token of which can
still be valid are deleted. ``auth keys`` lists the keys and their times.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TextIO

from auth.bootstrap import build_context
from auth.config import SERVICE, load_settings
from auth.domain.keys import signing_key
from auth.service_layer.context import AuthContext
from auth.service_layer.keys import RotationConflict, all_keys, rotate_signing_key
from dagkit.logging import configure_logging


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _rotate(ctx: AuthContext, out: TextIO) -> int:
    try:
        rotation = rotate_signing_key(ctx)
    except RotationConflict as exc:
        print(f"no new key: {exc}; run `auth keys` to see what is there", file=out)
        return 1
    new = rotation.new
    print(f"new signing key {new.kid}: published now, signs from {_when(new.signs_from)}", file=out)
    for kid in rotation.superseded:
        print(f"{kid} stops signing then and stays published until its tokens expire", file=out)
    for kid in rotation.removed:
        print(f"{kid} deleted: no token it signed can still be valid", file=out)
    return 0


def _list(ctx: AuthContext, out: TextIO) -> int:
    now = ctx.clock()
    keys = all_keys(ctx)
    current = signing_key(keys, now)
    rules = ctx.tokens
    lifetime = rules.access_lifetime.total_seconds()
    leeway = rules.retire_leeway.total_seconds()
    if not keys:
        print("no signing keys yet (the app makes the first one at start)", file=out)
    for key in keys:
        if not key.published(now, lifetime, leeway):
            state = "retired"
        elif current is not None and key.kid == current.kid:
            state = "signing"
        elif key.signs_from > now:
            state = "next"
        else:
            state = "retiring"
        line = f"{key.kid}: {state}, signs from {_when(key.signs_from)}"
        if key.superseded_at is not None:
            line += f", stops signing {_when(key.superseded_at)}"
        print(line, file=out)
    return 0


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="auth", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("rotate-keys", help="store a new signing key (with overlap)")
    commands.add_parser("keys", help="list the signing keys and their times")
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(SERVICE, settings["log_level"])
    ctx = build_context(settings)
    try:
        if args.command == "rotate-keys":
            return _rotate(ctx, out)
        return _list(ctx, out)
    finally:
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
