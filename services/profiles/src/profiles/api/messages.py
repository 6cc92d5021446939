"""Every reason a profile edit can be refused, in English and Danish.

The schemas and rules say what is wrong in English (marshmallow's own words,
the contract's and the domain's); ``bilingual_errors`` turns each reason of a
422 into ``{"en": ..., "da": ...}`` so an editing page shows it in its
language. A reason with no Danish here is a defect: the tests walk every
reason the schemas and rules can give.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from profiles.domain import rules

# Exact English reason -> Danish.
DANISH: Final[Mapping[str, str]] = {
    # marshmallow's own
    "Missing data for required field.": "Feltet skal udfyldes.",
    "Field may not be null.": "Feltet må ikke være tomt (null).",
    "Unknown field.": "Ukendt felt.",
    "Invalid input type.": "Forkert type af indhold.",
    "Invalid type.": "Forkert type af indhold.",
    "Invalid value.": "Ugyldig værdi.",
    "Not a valid string.": "Ikke en gyldig tekst.",
    "Not a valid utf-8 string.": "Ikke en gyldig UTF-8-tekst.",
    "Not a valid integer.": "Ikke et gyldigt heltal.",
    "Not a valid number.": "Ikke et gyldigt tal.",
    "Not a valid boolean.": "Ikke en gyldig sandhedsværdi (true eller false).",
    "Not a valid date.": "Ikke en gyldig dato (ÅÅÅÅ-MM-DD).",
    "Not a valid list.": "Ikke en gyldig liste.",
    "Not a valid email address.": "Ikke en gyldig e-mailadresse.",
    "Not a valid URL.": "Ikke en gyldig webadresse.",
    "String does not match expected pattern.": "Teksten har ikke den rigtige form.",
    "Special numeric values (nan or infinity) are not permitted.": "Tallet er ikke gyldigt.",
    # the contract's rules
    "closes must be after opens": "Lukketiden skal ligge efter åbningstiden.",
    "say which meals are offered": "Angiv hvilke måltider der serveres.",
    "no meals are offered": "Der serveres ingen måltider, så feltet skal være tomt.",
    "a diet appears twice": "En kost står der to gange.",
    "a weekday appears twice": "En ugedag står der to gange.",
    "a postcode appears twice": "Et postnummer står der to gange.",
    "the range ends before it starts": "Perioden slutter, før den begynder.",
    "say from which month places are open": "Angiv fra hvilken måned der er ledige pladser.",
    "no places are open": "Der er ingen ledige pladser, så måneden skal være tom.",
    "a closing day appears twice": "En lukkedag står der to gange.",
    "a tag appears twice": "Et fokusområde står der to gange.",
    "a language appears twice": "Et sprog står der to gange.",
    "an age group appears twice": "En aldersgruppe står der to gange.",
    # the input schemas'
    "Use the time form HH:MM, from 00:00 to 23:59.": "Skriv tiden som TT:MM, fra 00:00 til 23:59.",
    "A Danish phone number: 8 digits, optionally after +45.": (
        "Et dansk telefonnummer: 8 cifre, eventuelt efter +45."
    ),
    "The website must start with https://.": "Hjemmesiden skal begynde med https://.",
    "Not one of the portal's focus areas.": "Ikke et af portalens fokusområder.",
    "Not one of the portal's languages.": "Ikke et af portalens sprog.",
    "Contains control characters.": "Indeholder kontroltegn.",
    "Use the month form YYYY-MM.": "Skriv måneden som ÅÅÅÅ-MM.",
    "Nothing to change: name at least one field.": "Intet at ændre: angiv mindst ét felt.",
    "The body must be a JSON object.": "Indholdet skal være et JSON-objekt.",
    # the domain's rules
    rules.OPENS_TOO_EARLY: f"Åbner før kl. {rules.EARLIEST_OPENING}.",
    rules.CLOSES_TOO_LATE: f"Lukker efter kl. {rules.LATEST_CLOSING}.",
    rules.TOO_MANY_INTERVALS: f"Højst {rules.MAX_INTERVALS_PER_DAY} tidsrum om dagen.",
    rules.OVERLAPS: "Overlapper et andet tidsrum samme dag.",
    rules.TOO_EARLY_DAY: "Mere end et år siden.",
    rules.TOO_LATE_DAY: "Mere end to år frem.",
    rules.DAYS_OVERLAP: "Overlapper en anden lukkedag eller periode.",
    rules.AGE_GROUP_NOT_TAKEN: "Institutionen tager ikke børn i denne aldersgruppe.",
}

# Reasons with a number or list in them: pattern -> Danish template.
PATTERNS: Final = (
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "Højst {0} tegn."),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "Mindst {0} tegn."),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "Mellem {0} og {1} tegn."),
    (re.compile(r"^Length must be (\d+)\.$"), "Præcis {0} tegn."),
    (
        re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        "Skal være mellem {0} og {1}.",
    ),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "Skal være mindst {0}."),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "Skal være højst {0}."),
    (re.compile(r"^Must be one of: (.+)\.$"), "Skal være en af: {0}."),
    (re.compile(r'^"(.*)" cannot be formatted as a date\.$'), "Ikke en gyldig dato."),
)
# Said when a reason has no Danish words (a defect the tests catch).
UNTRANSLATED: Final = "Ugyldig værdi."


def danish(reason: str) -> str | None:
    """The Danish of an English reason, or None when there is none."""
    if reason in DANISH:
        return DANISH[reason]
    for pattern, template in PATTERNS:
        match = pattern.match(reason)
        if match:
            return template.format(*match.groups())
    return None


def both(reason: Any) -> dict[str, str]:
    english = str(reason)
    return {"en": english, "da": danish(english) or UNTRANSLATED}


def bilingual_errors(errors: Any) -> Any:
    """webargs' nested reasons with every reason as ``{"en", "da"}``."""
    if isinstance(errors, Mapping):
        return {str(key): bilingual_errors(value) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        if all(isinstance(item, str) for item in errors):
            return [both(item) for item in errors]
        return [bilingual_errors(item) for item in errors]
    return [both(errors)]
