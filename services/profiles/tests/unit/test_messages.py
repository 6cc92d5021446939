"""Every reason an edit can be refused has Danish words."""

from __future__ import annotations

import pytest

from profiles.api.messages import UNTRANSLATED, bilingual_errors, danish
from profiles.domain.rules import RULE_MESSAGES


@pytest.mark.parametrize("reason", RULE_MESSAGES)
def test_every_rule_of_the_domain_is_said_in_danish(reason: str) -> None:
    assert danish(reason)


@pytest.mark.parametrize(
    ("english", "in_danish"),
    [
        ("Longer than maximum length 4000.", "Højst 4000 tegn."),
        (
            "Must be greater than or equal to 0 and less than or equal to 100.",
            "Skal være mellem 0 og 100.",
        ),
        ("Unknown field.", "Ukendt felt."),
    ],
)
def test_reasons_with_numbers_keep_them(english: str, in_danish: str) -> None:
    assert danish(english) == in_danish


def test_the_tree_keeps_its_shape_with_both_languages_in_each_leaf() -> None:
    tree = {"json": {"opening_hours": {0: {"opens": ["Opens before 05:00."]}}}}
    assert bilingual_errors(tree) == {
        "json": {
            "opening_hours": {
                "0": {"opens": [{"en": "Opens before 05:00.", "da": "Åbner før kl. 05:00."}]}
            }
        }
    }


def test_an_unknown_reason_is_said_plainly_not_dropped() -> None:
    assert bilingual_errors(["Something new."]) == [{"en": "Something new.", "da": UNTRANSLATED}]
