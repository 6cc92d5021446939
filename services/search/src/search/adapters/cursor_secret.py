"""The secret search signs its page cursors with, when none is configured.

Gunicorn runs several worker processes, each building its own app: a cursor
one of them gave out must be accepted by the others. So the first process to
start makes a random secret and keeps it in DATA_DIR, and every later one
reads the same file. Instances that do not share DATA_DIR (several
containers or pods behind one address) must be given one secret in
SEARCH_CURSOR_SECRET instead.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

SECRET_FILE = "search-cursor-secret"  # noqa: S105 - a file name, not a secret
SECRET_HEX_CHARS = 64  # 32 random bytes


def instance_secret(data_dir: Path) -> bytes:
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: link() never replaces a file,
        # so of processes starting together the first wins and no one ever
        # reads a half-written secret. mkstemp makes the file private (0600).
        fd, temporary = tempfile.mkstemp(dir=data_dir, prefix=f".{SECRET_FILE}.")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(SECRET_HEX_CHARS // 2))
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < SECRET_HEX_CHARS:
        raise ValueError(f"{path} does not hold a cursor secret; delete it to make a new one")
    return secret.encode()
