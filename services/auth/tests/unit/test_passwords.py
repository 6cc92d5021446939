"""The password rules, generated passwords, argon2id hashing, the shipped list of
common passwords and credential letters as CSV."""

from __future__ import annotations

import base64
import csv
import io
import math
import random
import re
import statistics
import time
from pathlib import Path
from typing import Any

import argon2
import pytest

from auth.adapters.password_hashing import (
    COMMON_PASSWORDS,
    HASH_LENGTH,
    MEMORY_COST_KIB,
    PARALLELISM,
    SALT_LENGTH,
    TIME_COST,
    PasswordHasher,
    load_refused_passwords,
)
from auth.domain.credential_letters import CredentialLetter, letters_csv
from auth.domain.passwords import (
    ALPHABET,
    GENERATED_LENGTH,
    LANGUAGES,
    MESSAGES,
    MIN_GENERATED_BITS,
    PasswordPolicy,
    PasswordProblem,
    entropy_bits,
    generate_password,
    normalise,
)

LONGEST = "".join(random.Random(1).choices("abcdefghijklmnopqrstuvwxyzæøå ", k=128))
REFUSED = frozenset({"passwordstandard", "iloveyou", "Correcthorsebatterystaple"})
POLICY = PasswordPolicy(refused=REFUSED)
P = PasswordProblem


@pytest.fixture(scope="module")
def shipped_list() -> frozenset[str]:
    return load_refused_passwords()


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher()


# --- The policy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "kwargs", "expected"),
    [
        ("kort kode", {}, [P.TOO_SHORT]),
        ("fjorten tegn!!", {}, [P.TOO_SHORT]),  # 14
        ("femten tegn her", {}, []),  # 15
        ("x" * 64 + "y" * 65, {}, [P.TOO_LONG]),  # 129
        (LONGEST, {}, []),  # 128
        ("passwordstandard", {}, [P.COMMON]),
        ("PasswordStandard", {}, [P.COMMON]),
        ("correct horse battery staple", {}, []),  # spaces make it another password
        ("CorrectHorseBatteryStaple", {}, [P.COMMON]),  # the list is folded too
        ("iloveyou2024!!!!", {}, [P.COMMON]),  # a listed password with decoration
        ("Vuggestue 2024 !!", {}, [P.COMMON]),  # only portal words and digits
        ("Dagtilbudsportalen1", {}, [P.COMMON]),
        ("vuggestuen med den røde dør", {}, []),  # a portal word among others
        ("Solsikken12345678", {"context_words": ["Solsikken"]}, [P.COMMON]),
        ("Solsikken12345678", {}, []),
        ("mit kodeord er g18062", {"username": "G18062"}, [P.CONTAINS_USERNAME]),
        ("G18062 er min børnehave", {"username": "g18062"}, [P.CONTAINS_USERNAME]),
        ("Hanne.Jensen elsker kaffe", {"username": "hanne.jensen@k.dk"}, [P.CONTAINS_USERNAME]),
        ("ab er de første bogstaver", {"username": "ab"}, []),  # too short to look for
        ("aaaaaaaaaaaaaaa", {}, [P.REPEATED]),
        ("abcabcabcabcabc", {}, [P.REPEATED]),
        ("HejHejHejHejHejHej", {}, [P.REPEATED]),
        ("ababbabababbaabb", {}, [P.REPEATED]),  # two characters shuffled
        ("abcdefghijklmnop", {}, [P.REPEATED]),
        ("9876543210987654", {}, [P.REPEATED]),
        ("123456789012345", {}, [P.REPEATED]),
        ("en lang adgangskode\x00", {}, [P.NOT_TEXT]),
        ("en lang\tadgangskode", {}, [P.NOT_TEXT]),
        ("en lang adgangskode\n", {}, [P.NOT_TEXT]),
        ("en lang adgangskode\ud800", {}, [P.NOT_TEXT]),  # a lone surrogate
        ("en lang adgangskode\u0378", {}, [P.NOT_TEXT]),  # unassigned
        ("", {}, [P.TOO_SHORT]),
        ("aaaa", {}, [P.TOO_SHORT, P.REPEATED]),
    ],
)
def test_problems(password: str, kwargs: dict[str, Any], expected: list[PasswordProblem]) -> None:
    assert POLICY.problems(password, **kwargs) == expected


@pytest.mark.parametrize(
    "password",
    [
        "Æbler og pærer på åen",
        "Καλημέρα κόσμε και καλή μέρα",
        "日本語のパスワードはとても長いです",
        "mit 🐘 kan lide 🍓 og 🍌",
        "   spaces   around   and   inside   ",
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",  # every ASCII punctuation character
    ],
)
def test_unicode_spaces_and_punctuation_are_allowed(password: str) -> None:
    assert POLICY.problems(password) == []


@pytest.mark.parametrize("problem", list(PasswordProblem))
def test_every_problem_has_a_danish_and_an_english_message(problem: PasswordProblem) -> None:
    assert set(MESSAGES[problem]) == set(LANGUAGES)
    danish, english = POLICY.message(problem, "da"), POLICY.message(problem, "en")
    assert danish
    assert english
    assert danish != english
    assert "{" not in danish + english


def test_messages_carry_the_policy_lengths() -> None:
    assert "15" in POLICY.message(P.TOO_SHORT, "da")
    assert "15" in POLICY.message(P.TOO_SHORT, "en")
    assert "128" in POLICY.message(P.TOO_LONG, "da")
    assert "20" in PasswordPolicy(refused=REFUSED, min_length=20).message(P.TOO_SHORT, "en")


def test_no_composition_rules() -> None:
    # Only lower-case letters, no digit, no symbol: fine when long and not common.
    assert POLICY.problems("hestene spiser hø om vinteren") == []


def test_a_full_width_password_is_its_ascii_form(shipped_list: frozenset[str]) -> None:
    full_width = "ｐａｓｓｗｏｒｄｓｔａｎｄａｒｄ"
    assert normalise(full_width) == "passwordstandard"
    assert "passwordstandard" in shipped_list
    policy = PasswordPolicy(refused=shipped_list)
    assert policy.problems(full_width) == [P.COMMON]
    assert policy.problems("ＰＡＳＳＷＯＲＤＳＴＡＮＤＡＲＤ") == [P.COMMON]


def test_length_is_counted_in_code_points_after_nfkc() -> None:
    decomposed = "ra\u030adyr i skoven"  # "rådyr i skoven": 15 code points, 14 after NFKC
    assert len(decomposed) == 15
    assert POLICY.problems(decomposed) == [P.TOO_SHORT]
    assert POLICY.problems("ﬁre ﬁsk i ﬁskerne") == []  # ligatures count as two letters
    assert len(normalise("ﬁre ﬁsk i ﬁskerne")) > len("ﬁre ﬁsk i ﬁskerne")


def test_the_policy_refuses_lengths_nist_forbids() -> None:
    with pytest.raises(ValueError, match="min_length"):
        PasswordPolicy(refused=REFUSED, min_length=7)
    with pytest.raises(ValueError, match="max_length"):
        PasswordPolicy(refused=REFUSED, max_length=63)


# --- Generated passwords -------------------------------------------------------------

# Characters that print or read alike: at most one of each group may be used.
LOOK_ALIKES = (
    "0oOQD",
    "1lIij|",
    "5sS",
    "2zZ",
    "6bG",
    "9gq",
    "8B&",
    "uvV",
    "vw",
    "rm",
)  # vv/w, rn/m
GENERATED = re.compile(rf"^[{ALPHABET}]{{4}}(-[{ALPHABET}]{{4}}){{3}}$")


def test_the_alphabet_has_no_look_alikes_and_one_case() -> None:
    assert len(set(ALPHABET)) == len(ALPHABET)
    for group in LOOK_ALIKES:
        assert len(set(group) & set(ALPHABET)) <= 1, group
    assert not set(ALPHABET) & set("0oO1lIi8Bvr")
    assert ALPHABET.lower() == ALPHABET
    assert "-" not in ALPHABET


def test_a_generated_password_carries_at_least_70_bits() -> None:
    bits = GENERATED_LENGTH * math.log2(len(ALPHABET))
    assert bits >= MIN_GENERATED_BITS
    assert entropy_bits(GENERATED_LENGTH) == pytest.approx(bits)
    with pytest.raises(ValueError, match="bits"):
        generate_password(GENERATED_LENGTH - 1)


def test_generated_passwords(shipped_list: frozenset[str]) -> None:
    policy = PasswordPolicy(refused=shipped_list)
    passwords = [generate_password() for _ in range(1000)]
    assert len(set(passwords)) == 1000
    for password in passwords:
        assert GENERATED.match(password), password
        assert len(password) == 19  # 16 symbols and 3 hyphens, all typed
        assert policy.problems(password, username="G18062") == []


def test_generating_takes_its_randomness_from_the_rng_given() -> None:
    first = generate_password(rng=random.Random(7))  # reproducible on purpose
    assert first == generate_password(rng=random.Random(7))
    assert len(generate_password(20)) == 20 + 4


# --- Hashing -------------------------------------------------------------------------


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def test_hash_and_verify(hasher: PasswordHasher) -> None:
    stored = hasher.hash("hestene spiser hø om vinteren")
    assert hasher.verify(stored, "hestene spiser hø om vinteren") is True
    assert hasher.verify(stored, "hestene spiser hø om sommeren") is False
    assert hasher.verify(stored, "") is False
    assert hasher.hash("hestene spiser hø om vinteren") != stored  # a new salt each time


def test_the_hash_is_argon2id_with_the_chosen_parameters(hasher: PasswordHasher) -> None:
    stored = hasher.hash("hestene spiser hø om vinteren")
    variant, version, parameters, salt, digest = stored.split("$")[1:]
    assert variant == "argon2id"
    assert version == "v=19"
    assert parameters == f"m={MEMORY_COST_KIB},t={TIME_COST},p={PARALLELISM}"
    assert (MEMORY_COST_KIB, TIME_COST, PARALLELISM) == (19_456, 2, 1)  # OWASP's baseline
    assert len(_b64(salt)) == SALT_LENGTH
    assert len(_b64(digest)) == HASH_LENGTH
    assert argon2.extract_parameters(stored).type is argon2.Type.ID


def test_passwords_are_nfkc_normalised_before_hashing(hasher: PasswordHasher) -> None:
    stored = hasher.hash("ｐａｓｓｗｏｒｄ med\u00a0en rådyr")  # full width, no-break space
    assert hasher.verify(stored, "password med en ra\u030adyr")


def test_verify_never_raises(hasher: PasswordHasher) -> None:
    stored = hasher.hash("hestene spiser hø om vinteren")
    assert hasher.verify(stored, "\ud800 a lone surrogate") is False
    assert hasher.verify("!", "any password") is False  # an account without a password
    assert hasher.verify("", "any password") is False
    assert hasher.verify("$argon2id$v=19$m=19456,t=2,p=1$broken", "x") is False


def test_needs_rehash_when_the_parameters_rose(hasher: PasswordHasher) -> None:
    weaker = PasswordHasher(memory_cost=8_192, time_cost=1)
    old = weaker.hash("hestene spiser hø om vinteren")
    assert hasher.verify(old, "hestene spiser hø om vinteren")  # still logs in
    assert hasher.needs_rehash(old) is True
    assert hasher.needs_rehash(hasher.hash("hestene spiser hø om vinteren")) is False
    assert hasher.needs_rehash("!") is True


def test_dummy_verify_costs_about_what_a_verify_costs(hasher: PasswordHasher) -> None:
    stored = hasher.hash("hestene spiser hø om vinteren")
    real, dummy = [], []
    for _ in range(5):
        start = time.perf_counter()
        hasher.verify(stored, "a wrong password")
        real.append(time.perf_counter() - start)
        start = time.perf_counter()
        hasher.dummy_verify("a wrong password")
        dummy.append(time.perf_counter() - start)
    ratio = statistics.median(dummy) / statistics.median(real)
    assert 1 / 3 < ratio < 3, (real, dummy)


# --- The shipped list ----------------------------------------------------------------


def test_the_loader_skips_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text(
        "# a source note\n#\n\n  Password  \nＱＷＥＲＴＹ\n\n   # indented comment\nhunter2\n",
        encoding="utf-8",
    )
    assert load_refused_passwords(path) == frozenset({"password", "qwerty", "hunter2"})


def test_the_shipped_list(shipped_list: frozenset[str]) -> None:
    assert COMMON_PASSWORDS.stat().st_size < 300_000
    header = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()[:20]
    assert any("zxcvbn" in line and line.startswith("#") for line in header)
    assert any("MIT" in line for line in header)
    assert len(shipped_list) > 10_000
    assert {"iloveyou", "qwertyuiop", "1qaz2wsx3edc4rfv"} <= shipped_list
    assert all(not entry.startswith("#") and entry == entry.lower() for entry in shipped_list)


# --- Credential letters --------------------------------------------------------------


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def test_letters_csv_is_semicolon_separated_utf8_with_a_header() -> None:
    letter = CredentialLetter(
        "G18062", "Børnehuset Ærtebjerg", "Aabenraa", "xkc4-7ptw-mnh3-9fay", "https://x.dk/"
    )
    text = letters_csv([letter])
    assert text.startswith("\ufeff")  # so Excel reads it as UTF-8
    assert text.splitlines()[0].removeprefix("\ufeff") == (
        "Institutionsnummer;Institution;Kommune;Adgangskode;Log ind på"
    )
    assert _rows(text)[1] == [
        "G18062",
        "Børnehuset Ærtebjerg",
        "Aabenraa",
        "xkc4-7ptw-mnh3-9fay",
        "https://x.dk/",
    ]
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://evil";"klik")', '\'=HYPERLINK("http://evil";"klik")'),
        ("+45 12 34 56 78", "'+45 12 34 56 78"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Solsikken; afd. Nord", "Solsikken; afd. Nord"),
        ('Mikkel\'s "hus"', 'Mikkel\'s "hus"'),
        ("Bo-Hus = godt", "Bo-Hus = godt"),  # only the first character matters
    ],
)
def test_letters_csv_escapes_formulas(value: str, shown: str) -> None:
    letter = CredentialLetter("G18062", value, value, "xkc4-7ptw-mnh3-9fay", "https://x.dk/")
    assert _rows(letters_csv([letter]))[1][1:3] == [shown, shown]


def test_letters_csv_never_alters_a_password() -> None:
    letter = CredentialLetter("G18062", "Solsikken", "Aabenraa", "-abc-def", "https://x.dk/")
    with pytest.raises(ValueError, match="G18062"):
        letters_csv([letter])
