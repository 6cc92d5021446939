"""The two register formats: STIL's Dagtilbudsregisteret export and the
portal's own register file. Both become :class:`Institution` values."""

from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from marshmallow import ValidationError, fields, validate

from dagtilbud_contracts import vocabulary as vocab
from dagtilbud_contracts.institution import AddressSchema, InstitutionSchema, RegisterContactSchema
from ingest.domain.model import DatasetKind, Institution

from . import checks, problems
from .base import FormatReader
from .checks import Context, Coordinate
from .columns import Column, Columns, col
from .text import header_key, parse_decimal


def _length_limit(field: fields.Field[Any]) -> int:
    return next(v.max for v in field.validators if isinstance(v, validate.Length) and v.max)


def _range(field: fields.Field[Any]) -> tuple[int, int]:
    found = next(v for v in field.validators if isinstance(v, validate.Range))
    return int(found.min), int(found.max)


# The limits come from the event contract itself, so that nothing the readers
# accept can fail it when it is published.
_INSTITUTION = InstitutionSchema().fields
_ADDRESS = AddressSchema().fields
NAME_MAX = _length_limit(_INSTITUTION["name"])
STREET_MAX = _length_limit(_ADDRESS["street"])
CITY_MAX = _length_limit(_ADDRESS["city"])
CAPACITY_MIN, CAPACITY_MAX = _range(_INSTITUTION["capacity"])
_CONTACT = RegisterContactSchema().fields
_PHONE = re.compile(vocab.PHONE_PATTERN)


@dataclass(frozen=True)
class Fields:
    """The parts of an institution after each was checked on its own; None
    where a check failed (its problem is in the log)."""

    number: str | None
    name: str | None
    kind: str | None
    ownership: str | None
    municipality: int | None
    street: str | None
    postcode: str | None
    city: str | None
    coordinates: tuple[float | None, float | None] | None
    active: bool
    capacity: int | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None


class RegisterReader(FormatReader):
    """Checks shared by both register formats and the duplicate check."""

    kind = DatasetKind.REGISTER
    # The accepted kinds and ownerships, by the cell's text (folded with
    # text.header_key where the format takes words rather than codes).
    kind_field: ClassVar[str]
    kinds: ClassVar[dict[str, str]]
    ownerships: ClassVar[dict[str, str]]
    fold_words: ClassVar[bool] = False

    def __init__(self, columns: Columns, ctx: Context) -> None:
        super().__init__(columns, ctx)
        self._institutions: list[Institution] = []
        self._first_row: dict[str, int] = {}
        # Every cell the format reads is checked for control characters, also
        # the codes and flags: "Ak<NUL>tiv" must not pass as "Aktiv".
        self._used = sorted(set(columns.index.values()))

    def institutions(self) -> list[Institution]:
        return self._institutions

    def read(self, row: int, cells: list[str]) -> None:
        header = self.columns.header
        for index in self._used:
            if not checks.no_control_characters(self.ctx, row, header[index], cells[index]):
                return  # one problem per row is enough: the row is wrong
        self.read_row(row, cells)

    @abstractmethod
    def read_row(self, row: int, cells: list[str]) -> None:
        """One data row whose cells hold no control characters."""

    @abstractmethod
    def _active(self, row: int, cells: list[str]) -> bool:
        """Whether the unit is open."""

    @abstractmethod
    def _municipality(self, row: int, cells: list[str]) -> int | None:
        """The unit's municipality, every municipality column checked."""

    def fields(self, row: int, cells: list[str], number_field: str, street: str) -> Fields:
        """Every part of the unit, each checked on its own; the order of the
        checks is the order of their problems in the report."""
        ctx, name = self.ctx, self.columns.name
        active = self._active(row, cells)
        municipality = self._municipality(row, cells)
        street_, postcode, city, coordinates = self.place(row, cells, active, street, municipality)
        return Fields(
            number=checks.institution_number(
                ctx, row, name(number_field), self.cell(cells, number_field)
            ),
            name=self.unit_name(row, cells),
            kind=self._coded(row, cells, self.kind_field, self.kinds, problems.unknown_kind),
            ownership=self._coded(
                row, cells, "ownership", self.ownerships, problems.unknown_ownership
            ),
            municipality=municipality,
            street=street_,
            postcode=postcode,
            city=city,
            coordinates=coordinates,
            active=active,
            capacity=self.capacity(row, cells),
            phone=self.phone(row, cells),
            email=self.contact(row, cells, "email"),
            website=self.contact(row, cells, "website"),
        )

    def _coded(
        self,
        row: int,
        cells: list[str],
        field: str,
        table: dict[str, str],
        unknown: problems.CodeProblem,
    ) -> str | None:
        text, column = self.cell(cells, field), self.columns.name(field)
        if not text:
            self.ctx.log.add(problems.missing_value, row, column)
            return None
        found = table.get(header_key(text) if self.fold_words else text)
        if found is None:
            self.ctx.log.add(unknown, row, column, text)
        return found

    def add(self, row: int, number_column: str, fields: Fields) -> None:
        if fields.number is not None:
            first = self._first_row.setdefault(fields.number, row)
            if first != row:
                self.ctx.log.add(
                    problems.duplicate_institution_number, row, number_column, fields.number, first
                )
                return
        if not fields.active:
            self.ctx.skip("inactive")
        institution = _institution(fields)
        if institution is not None:
            self._institutions.append(institution)

    def unit_name(self, row: int, cells: list[str]) -> str | None:
        return checks.text(
            self.ctx, row, self.columns.name("name"), self.cell(cells, "name"), NAME_MAX
        )

    def phone(self, row: int, cells: list[str]) -> str | None:
        """Contact details are nice to have: a malformed one is left out with
        a warning rather than holding back the whole register."""
        text = self.cell(cells, "phone")
        if not text or _PHONE.fullmatch(text):
            return text or None
        self.ctx.log.add(problems.bad_contact, row, self.columns.name("phone"), text)
        return None

    def contact(self, row: int, cells: list[str], field: str) -> str | None:
        """E-mail or website, as the event contract's own field accepts it
        (a looser check here would publish events the contract rejects)."""
        text = self.cell(cells, field)
        if not text:
            return None
        try:
            _CONTACT[field].deserialize(text)
        except ValidationError:
            self.ctx.log.add(problems.bad_contact, row, self.columns.name(field), text)
            return None
        return text

    def capacity(self, row: int, cells: list[str]) -> int | None:
        text = self.cell(cells, "capacity")
        if not text:
            return None
        column = self.columns.name("capacity")
        return checks.whole_number(self.ctx, row, column, text, CAPACITY_MIN, CAPACITY_MAX)

    def place(
        self, row: int, cells: list[str], active: bool, street: str, municipality: int | None
    ) -> tuple[str | None, str | None, str | None, tuple[float | None, float | None] | None]:
        """Street, postcode, city and coordinates, the last two checked
        against the unit's municipality. A closed unit is looked up by its
        number only, so its stale address is taken as it is."""
        postcode_text = self.cell(cells, "postcode")
        city = self.cell(cells, "city") or self.cell(cells, "city_extra")
        lat = Coordinate(self.columns.name("lat"), self.cell(cells, "lat"))
        lon = Coordinate(self.columns.name("lon"), self.cell(cells, "lon"))
        if not active:
            # Only its number is used: a closing publishes the unit's last
            # accepted state, never these cells.
            return street, postcode_text.zfill(4), city, _quiet_coordinates(lat.text, lon.text)
        ctx, name = self.ctx, self.columns.name
        postcode = checks.postcode(ctx, row, name("postcode"), postcode_text)
        if (
            postcode is not None
            and municipality is not None
            and not checks.postcode_in_municipality(
                ctx, row, name("postcode"), postcode, municipality
            )
        ):
            postcode = None
        return (
            checks.text(ctx, row, name("street"), street, STREET_MAX),
            postcode,
            checks.text(ctx, row, name("city"), city, CITY_MAX),
            checks.coordinates(ctx, row, lat, lon, municipality),
        )


def _quiet_coordinates(lat: str, lon: str) -> tuple[float | None, float | None]:
    """A closed unit's coordinates if they are usable, else none; no problem."""
    lat_value, lon_value = parse_decimal(lat), parse_decimal(lon)
    if lat_value is None or lon_value is None or not checks.in_denmark(lat_value, lon_value):
        return None, None
    return lat_value, lon_value


def _institution(f: Fields) -> Institution | None:
    if (
        f.number is None
        or f.name is None
        or f.kind is None
        or f.ownership is None
        or f.municipality is None
        or f.street is None
        or f.postcode is None
        or f.city is None
        or f.coordinates is None
    ):
        return None
    return Institution(
        number=f.number,
        name=f.name,
        kind=f.kind,
        ownership=f.ownership,
        municipality_code=f.municipality,
        street=f.street,
        postcode=f.postcode,
        city=f.city,
        lat=f.coordinates[0],
        lon=f.coordinates[1],
        active=f.active,
        capacity=f.capacity,
        phone=f.phone,
        email=f.email,
        website=f.website,
    )


# --- STIL Dagtilbudsregisteret, "Samlet udtræk" ----------------------------

STIL_KINDS = {
    "6010": "vuggestue",
    "6011": "boernehave",
    "6012": "aldersintegreret",
    "6013": "dagpleje",
    "6014": "boernehave",  # børnehave from 2 years
}
# Units the portal does not cover; counted so the report can say so.
STIL_OUT_OF_SCOPE = {"6020": "sfo", "6021": "klub"}
STIL_OWNERSHIPS = {"1": "kommunal", "2": "selvejende", "3": "privat", "4": "udliciteret"}


class StilRegister(RegisterReader):
    name = "stil_register"
    kind_field = "type_code"
    kinds = STIL_KINDS
    ownerships = STIL_OWNERSHIPS
    spec = (
        col("unit_type", "dagtilbudsType", required=False),
        col("status", "aktivitetsstatus", required=False),
        col("institution_number", "daginstitutionsNummer", required=False),
        col("unit_number", "anvisningsenhedsNummer", required=False),
        col("name", "dagtilbudsNavn"),
        col("type_code", "instType3"),
        col("type_text", "instType3_Tekst", required=False),
        col("ownership", "ejerformKode"),
        col("municipality", "kommuneKode_Tekst", required=False),
        col("adm_municipality", "admKommuneKode_Tekst", required=False),
        col("street", "vejNavn"),
        col("house_number", "husNummer", required=False),
        col("postcode", "postNummer"),
        col("city", "byNavn"),
        col("city_extra", "supplerendeBynavn", required=False),
        col("lat", "geoBredde"),
        col("lon", "geoLaengde"),
        col("email", "email", required=False),
        col("phone", "telefonNummer", required=False),
        col("capacity", "kapacitet", "pladser", required=False),
    )

    @classmethod
    def recognises(cls, keys: set[str]) -> bool:
        return "insttype3" in keys and bool(
            keys & {"daginstitutionsnummer", "anvisningsenhedsnummer"}
        )

    def header_ok(self) -> bool:
        ok = super().header_ok()
        for either in (("unit_number", "institution_number"), ("municipality", "adm_municipality")):
            if not any(self.columns.has(f) for f in either):
                self.ctx.log.add(problems.missing_column, _spelling(self.spec, either[0]))
                ok = False
        return ok

    def read_row(self, row: int, cells: list[str]) -> None:
        unit_type = self.cell(cells, "unit_type")
        # The export lists physical daginstitutioner beside the
        # anvisningsenheder parents apply to; only the latter are units here.
        if unit_type and header_key(unit_type) != "anvisningsenhed":
            self.ctx.skip("not_anvisningsenhed")
            return
        type_code = self.cell(cells, "type_code")
        if type_code in STIL_OUT_OF_SCOPE:
            self.ctx.skip(STIL_OUT_OF_SCOPE[type_code])
            return
        number_field = "unit_number" if self.cell(cells, "unit_number") else "institution_number"
        street = " ".join(
            filter(None, (self.cell(cells, "street"), self.cell(cells, "house_number")))
        )
        fields = self.fields(row, cells, number_field, street)
        self.add(row, self.columns.name(number_field), fields)

    def _active(self, row: int, cells: list[str]) -> bool:
        if not self.columns.has("status"):
            return True
        status = self.cell(cells, "status")
        if not status:
            self.ctx.log.add(problems.missing_value, row, self.columns.name("status"))
            return True
        return header_key(status) == "aktiv"

    def _municipality(self, row: int, cells: list[str]) -> int | None:
        # The unit's own municipality; the administrating one only stands in
        # when the first is empty. Both are checked whenever they are filled
        # in: an unknown administrating municipality is as wrong as an unknown
        # own one, even where it is not the one used.
        own, adm = self.cell(cells, "municipality"), self.cell(cells, "adm_municipality")
        own_code = adm_code = None
        if own:
            own_code = checks.municipality(self.ctx, row, self.columns.name("municipality"), own)
        if adm:
            column = self.columns.name("adm_municipality")
            adm_code = checks.municipality(self.ctx, row, column, adm)
        if own or adm:
            return own_code if own else adm_code
        field = "municipality" if self.columns.has("municipality") else "adm_municipality"
        self.ctx.log.add(problems.missing_value, row, self.columns.name(field))
        return None


def _spelling(spec: tuple[Column, ...], field: str) -> str:
    return next(c.display for c in spec if c.field == field)


# --- the portal's own register file ------------------------------------------

# Accepted spellings, compared by text.header_key (case, spaces and æøå folded).
PORTAL_KINDS = {
    header_key(word): kind
    for kind, words in {
        "vuggestue": ("vuggestue", "vuggestuer"),
        "boernehave": ("boernehave", "børnehave", "børnehaver"),
        "aldersintegreret": (
            "aldersintegreret",
            "aldersintegreret institution",
            "aldersintegreret daginstitution",
            "integreret institution",
        ),
        "dagpleje": ("dagpleje", "kommunal dagpleje"),
    }.items()
    for word in words
}
PORTAL_OWNERSHIPS = {
    header_key(word): ownership
    for ownership, words in {
        "kommunal": ("kommunal", "kommunale", "kommunal institution"),
        "selvejende": ("selvejende", "selvejende institution"),
        "privat": ("privat", "privatinstitution", "privat institution"),
        "udliciteret": ("udliciteret", "udliciteret institution"),
    }.items()
    for word in words
}
_YES = {"ja", "j", "yes", "true", "1", "aktiv"}
_NO = {"nej", "n", "no", "false", "0", "lukket", "ophoert", "inaktiv"}


class PortalRegister(RegisterReader):
    name = "portal_register"
    kind_field = "type"
    kinds = PORTAL_KINDS
    ownerships = PORTAL_OWNERSHIPS
    fold_words = True
    spec = (
        col("number", "id"),
        col("name", "navn"),
        col("type", "type"),
        col("ownership", "ejerform"),
        col("municipality", "kommunekode"),
        col("municipality_name", "kommune", required=False),
        col("street", "adresse"),
        col("postcode", "postnr"),
        col("city", "postdistrikt"),
        col("lat", "lat"),
        col("lon", "lon"),
        col("active", "aktiv", required=False),
        col("capacity", "kapacitet", required=False),
        col("phone", "telefon", required=False),
        col("email", "email", required=False),
        col("website", "hjemmeside", required=False),
    )

    @classmethod
    def recognises(cls, keys: set[str]) -> bool:
        return {"id", "navn", "type", "kommunekode"} <= keys

    def read_row(self, row: int, cells: list[str]) -> None:
        fields = self.fields(row, cells, "number", self.cell(cells, "street"))
        self.add(row, self.columns.name("number"), fields)

    def _active(self, row: int, cells: list[str]) -> bool:
        text = self.cell(cells, "active")
        key = header_key(text)
        if not text or key in _YES:
            return True
        if key in _NO:
            return False
        self.ctx.log.add(problems.bad_flag, row, self.columns.name("active"), text)
        return True

    def _municipality(self, row: int, cells: list[str]) -> int | None:
        code = checks.municipality(
            self.ctx, row, self.columns.name("municipality"), self.cell(cells, "municipality")
        )
        name_column = self.columns.name("municipality_name")
        name_text = self.cell(cells, "municipality_name")
        if code is not None:
            checks.municipality_name_agrees(self.ctx, row, name_column, name_text, code)
        elif name_text:
            # Nothing to agree with, but a name that is no municipality is
            # still reported: every municipality column is checked.
            checks.municipality(self.ctx, row, name_column, name_text)
        return code
