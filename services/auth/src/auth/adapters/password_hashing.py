"""Password hashes (argon2id through argon2-cffi) and the shipped list of common
passwords the policy refuses.

Parameters: argon2id, m = 19 MiB (19,456 KiB), t = 2, p = 1, a 16-byte salt and a
32-byte hash: the first configuration OWASP's Password Storage Cheat Sheet
recommends. One hash or verify takes about 30 ms on a 2-core development machine
(25-45 ms while it was busy with other tests), which leaves room for a queue of
logins under the bench's p95 target of 250 ms on 2 cores; RFC 9106's 64 MiB would
not (about 190 ms a hash at t = 2 on the same machine). p = 1 because lanes in
parallel only add threads that compete with the other worker for the same cores.
Raising a parameter later is safe: ``needs_rehash`` reports the hashes made with
other parameters, and the login rehashes them when the user's password is at hand.

A password is NFKC-normalised (``auth.domain.passwords.normalise``, as the policy
counts it) and encoded as UTF-8 before hashing and verifying. Lone surrogates, which
the policy refuses for new passwords but a login request may still carry, are
encoded as they come ("surrogatepass"), so verifying never fails on them.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from auth.domain.passwords import fold, normalise

MEMORY_COST_KIB = 19_456  # 19 MiB
TIME_COST = 2
PARALLELISM = 1
HASH_LENGTH = 32  # bytes
SALT_LENGTH = 16  # bytes

COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"


def _encoded(password: str) -> bytes:
    return normalise(password).encode("utf-8", "surrogatepass")


class PasswordHasher:
    def __init__(
        self,
        *,
        memory_cost: int = MEMORY_COST_KIB,
        time_cost: int = TIME_COST,
        parallelism: int = PARALLELISM,
    ) -> None:
        self._argon2 = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            hash_len=HASH_LENGTH,
            salt_len=SALT_LENGTH,
            type=argon2.Type.ID,
        )
        # Made with the same parameters, so verifying against it costs what a real
        # verify costs; of a random secret nobody knows, so nothing ever matches it.
        self._dummy_hash = self._argon2.hash(secrets.token_bytes(32))

    def hash(self, password: str) -> str:
        """The encoded argon2id hash ("$argon2id$v=19$m=...,t=...,p=...$salt$hash")."""
        return self._argon2.hash(_encoded(password))

    def verify(self, stored_hash: str, password: str) -> bool:
        """Whether ``password`` is the one ``stored_hash`` was made of. False for a
        wrong password and for a stored value that is no argon2 hash (an account
        without a password); the latter after the time a real verify takes."""
        try:
            return self._argon2.verify(stored_hash, _encoded(password))
        except InvalidHashError:
            self.dummy_verify(password)
            return False
        except VerificationError:  # VerifyMismatchError among them
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether ``stored_hash`` was made with other parameters than this hasher's
        (they have risen since, or it is another argon2 variant), so the login should
        store a new hash of the password it has just verified."""
        try:
            return self._argon2.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def dummy_verify(self, password: str) -> None:
        """Spend the time of one verify, for a username that has no account: an
        unknown username then costs what a wrong password costs."""
        with contextlib.suppress(VerificationError):
            self._argon2.verify(self._dummy_hash, _encoded(password))


def load_refused_passwords(path: Path = COMMON_PASSWORDS) -> frozenset[str]:
    """The passwords in ``path`` (one a line; "#" comment lines and blank lines
    skipped), folded as the policy compares them: NFKC and lower case."""
    with path.open(encoding="utf-8") as lines:
        return frozenset(
            fold(entry)
            for entry in (line.strip() for line in lines)
            if entry and not entry.startswith("#")
        )
