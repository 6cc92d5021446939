"""``auth rotate-keys`` and ``auth keys`` on a real database; the first key made
once by several processes starting at the same moment."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from auth.bootstrap import build_context
from auth.config import load_settings
from auth.domain.keys import SigningKey
from auth.service_layer.keys import all_keys, ensure_signing_key


def run_cli(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("auth")  # the console script
    return subprocess.run(
        [str(script), *args],
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_rotate_keys_and_list_them(auth_environ: dict[str, str]) -> None:
    listed = run_cli(auth_environ, "keys")
    assert listed.returncode == 0, listed.stderr
    assert "no signing keys yet" in listed.stdout
    first = run_cli(auth_environ, "rotate-keys")
    assert first.returncode == 0, first.stderr
    assert "new signing key key-1" in first.stdout
    second = run_cli(auth_environ, "rotate-keys")
    assert second.returncode == 0, second.stderr
    assert "new signing key key-2: published now, signs from" in second.stdout
    assert "key-1 stops signing then and stays published until its tokens expire" in second.stdout
    listed = run_cli(auth_environ, "keys")
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("key-1: signing, signs from")
    assert "stops signing" in lines[0]
    assert lines[1].startswith("key-2: next, signs from")


def test_processes_starting_together_make_one_first_key(auth_environ: dict[str, str]) -> None:
    settings = load_settings(auth_environ)
    contexts = [build_context(settings) for _ in range(6)]
    start = threading.Barrier(len(contexts))
    made: list[SigningKey] = []

    def boot(ctx: Any) -> None:
        start.wait()
        made.append(ensure_signing_key(ctx))

    threads = [threading.Thread(target=boot, args=(ctx,)) for ctx in contexts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert {key.kid for key in made} == {"key-1"}
        assert len({key.public_jwk["x"] for key in made}) == 1
        assert [key.kid for key in all_keys(contexts[0])] == ["key-1"]
    finally:
        for ctx in contexts:
            ctx.close()
