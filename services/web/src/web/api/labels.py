"""The portal's words for the wire's keys, in the reader's language.

The keys (``boernehave``, ``normering_0_2``) are the contracts' and never
shown; these lazy strings are looked up when a page is rendered.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from dagtilbud_contracts.vocabulary import OPEN_PLACES_FRESH_DAYS

KINDS = {
    "vuggestue": _l("Vuggestue"),
    "boernehave": _l("Børnehave"),
    "aldersintegreret": _l("Aldersintegreret institution"),
    "dagpleje": _l("Dagpleje"),
}

OWNERSHIPS = {
    "kommunal": _l("Kommunal"),
    "selvejende": _l("Selvejende"),
    "privat": _l("Privat"),
    "udliciteret": _l("Udliciteret"),
}

AGE_GROUPS = {
    "0-2": _l("0-2 år (vuggestuealder)"),
    "3-5": _l("3-5 år (børnehavealder)"),
}

AGE_GROUPS_SHORT = {
    "0-2": _l("0-2 år"),
    "3-5": _l("3-5 år"),
}

MEALS = {
    "offered": _l("Madordning tilbydes"),
    "none": _l("Ingen madordning (madpakke)"),
    "frokost": _l("Frokost"),
    "frokost_og_mellemmaaltider": _l("Frokost og mellemmåltider"),
    "fuld_forplejning": _l("Fuld forplejning"),
    "vegetar": _l("Vegetarkost"),
    "halal": _l("Halal"),
    "svinekoedfri": _l("Uden svinekød"),
    "glutenfri": _l("Glutenfri"),
    "laktosefri": _l("Laktosefri"),
    "maelkefri": _l("Mælkefri"),
    "noeddefri": _l("Nøddefri"),
}

SORTS = {
    "distance": _l("Afstand"),
    "name": _l("Navn"),
    "normering": _l("Normering"),
}

INDICATORS = {
    "normering_0_2": _l("Normering 0-2 år"),
    "normering_3_5": _l("Normering 3-5 år"),
    "normering_dagpleje": _l("Normering i dagpleje"),
    "andel_paedagogisk_uddannet_pct": _l("Pædagogisk uddannet personale"),
    "antal_boern": _l("Antal børn i dagtilbud"),
    "andel_ikke_dansk_baggrund_pct": _l("Børn med anden baggrund end dansk"),
}


INDICATOR_EXPLANATIONS = {
    "normering_0_2": _l(
        "Hvor mange børn på 0-2 år der i gennemsnit er pr. voksen i kommunens "
        "vuggestuer og aldersintegrerede institutioner. Lavere er bedre."
    ),
    "normering_3_5": _l(
        "Hvor mange børn på 3-5 år der i gennemsnit er pr. voksen i kommunens "
        "børnehaver og aldersintegrerede institutioner. Lavere er bedre."
    ),
    "normering_dagpleje": _l(
        "Hvor mange børn der i gennemsnit er pr. dagplejer i kommunens dagpleje. Lavere er bedre."
    ),
    "andel_paedagogisk_uddannet_pct": _l(
        "Hvor stor en del af personalet i kommunens dagtilbud der er uddannet pædagog "
        "eller pædagogisk assistent. Højere er bedre."
    ),
    "antal_boern": _l(
        "Hvor mange børn der går i kommunens dagtilbud. Det siger noget om størrelse, "
        "ikke om kvalitet."
    ),
    "andel_ikke_dansk_baggrund_pct": _l(
        "Hvor stor en del af børnene i kommunens dagtilbud der har anden baggrund end "
        "dansk. Det beskriver børnene, ikke pasningen."
    ),
}

WEEKDAYS = [
    _l("Mandag"),
    _l("Tirsdag"),
    _l("Onsdag"),
    _l("Torsdag"),
    _l("Fredag"),
    _l("Lørdag"),
    _l("Søndag"),
]


OPEN_PLACES = {
    "yes": _l("Ledige pladser"),
    "no": _l("Ingen ledige pladser"),
    "waiting_list": _l("Venteliste"),
}

STALE_OPEN_PLACES = _l(
    "Oplyst for mere end %(days)d dage siden – spørg institutionen",
    days=OPEN_PLACES_FRESH_DAYS,
)

SUBSTITUTE_CARE = {
    "gaestehus": _l("I et gæstehus"),
    "gaestedagplejer": _l("Hos en gæstedagplejer"),
    "fast_makker": _l("Hos en fast makker-dagplejer"),
    "andet": _l("På anden vis"),
}

KITCHENS = {
    "eget_koekken": _l("Maden laves i institutionens eget køkken."),
    "leverandoer": _l("Maden leveres af en leverandør."),
}

# The focus an institution may name (vocabulary.FOCUS_TAGS). Older profiles
# may carry other keywords: those are shown as written.
FOCUS_TAGS = {
    "natur_og_udeliv": _l("Natur og udeliv"),
    "skovboernehave": _l("Skovbørnehave"),
    "idraet_og_bevaegelse": _l("Idræt og bevægelse"),
    "musik": _l("Musik"),
    "sprog": _l("Sprogstimulering"),
    "kunst_og_kreativitet": _l("Kunst og kreativitet"),
    "science": _l("Science og eksperimenter"),
    "madkultur": _l("Madkultur"),
    "dyr_og_natur": _l("Dyr og natur"),
    "drama_og_fortaelling": _l("Drama og fortælling"),
    "baeredygtighed": _l("Bæredygtighed"),
    "inklusion": _l("Inklusion"),
    "digital_dannelse": _l("Digital dannelse"),
    "udeskole": _l("Udeskole"),
}


def focus_tag(tag: str) -> str:
    """A focus tag's name; a keyword outside the vocabulary as it is written."""
    label = FOCUS_TAGS.get(tag)
    return str(label) if label is not None else tag.replace("_", " ")


# Languages spoken besides Danish (vocabulary.LANGUAGES, ISO 639-1).
LANGUAGES = {
    "en": _l("Engelsk"),
    "de": _l("Tysk"),
    "sv": _l("Svensk"),
    "no": _l("Norsk"),
    "fo": _l("Færøsk"),
    "kl": _l("Grønlandsk"),
    "is": _l("Islandsk"),
    "fr": _l("Fransk"),
    "es": _l("Spansk"),
    "it": _l("Italiensk"),
    "pl": _l("Polsk"),
    "ro": _l("Rumænsk"),
    "lt": _l("Litauisk"),
    "uk": _l("Ukrainsk"),
    "ru": _l("Russisk"),
    "tr": _l("Tyrkisk"),
    "ar": _l("Arabisk"),
    "fa": _l("Persisk"),
    "ur": _l("Urdu"),
    "so": _l("Somali"),
    "ti": _l("Tigrinya"),
    "ku": _l("Kurdisk"),
    "bs": _l("Bosnisk"),
    "sr": _l("Serbisk"),
    "vi": _l("Vietnamesisk"),
    "th": _l("Thai"),
    "tl": _l("Tagalog"),
    "zh": _l("Kinesisk"),
    "hi": _l("Hindi"),
    "ta": _l("Tamil"),
}

ROLES = {
    "institution": _l("institution"),
    "municipality": _l("kommune"),
    "dst": _l("Danmarks Statistik"),
    "admin": _l("administrator"),
}
