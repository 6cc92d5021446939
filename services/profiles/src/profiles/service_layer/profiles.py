"""Reading and editing an institution's own information, and a municipality's
dagpleje reports: one function per action.

An edit names the version it was made on; if another edit was saved since, it
is refused (``StaleVersion``) and nothing changes. An accepted change writes
the profile, a line of history and the ``profiles.profiles.v1`` event in one
transaction, so a crash leaves either all three or none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from dagkit.logging import current_correlation_id
from dagkit.uow import OutgoingEvent
from dagtilbud_contracts import profile as profile_contract
from dagtilbud_contracts.registry import new_event, topic_for
from profiles.domain import rules
from profiles.domain.institutions import RegisteredInstitution
from profiles.domain.profile import (
    DAGPLEJE_FIELDS,
    PROFILE_FIELDS,
    Profile,
    ProfileChange,
    open_places_stale,
    sections_for_kind,
    stamp_open_places,
)
from profiles.domain.tenancy import (
    Editor,
    may_edit_profile,
    may_manage_municipality,
    may_read_history,
)
from profiles.service_layer.context import ProfilesContext
from profiles.service_layer.unit_of_work import ProfilesUnitOfWork

MAX_HISTORY_PAGE = 100


class ProfilesError(Exception):
    """A refusal the API answers with a status of its own."""


class UnknownInstitution(ProfilesError):
    """No such institution (or no such dagpleje district in the municipality)."""


class NotPermitted(ProfilesError):
    """The editor may not do this to this institution (said without detail)."""


class ReadOnly(ProfilesError):
    """The institution is closed: its information can no longer change."""


class StaleVersion(ProfilesError):
    """The edit was made on a version that is no longer the current one."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the current version is {current}")
        self.current = current


class Refused(ProfilesError):
    """The edit breaks a rule; ``problems`` per field, as marshmallow nests them."""

    def __init__(self, problems: rules.Problems) -> None:
        super().__init__("the edit breaks the profile's rules")
        self.problems = problems


@dataclass(frozen=True)
class ProfileView:
    institution: RegisteredInstitution
    profile: Profile


def profile_event(profile: Profile, correlation_id: str | None) -> OutgoingEvent:
    return (
        topic_for(profile_contract.UPDATED),
        new_event(
            profile_contract.UPDATED,
            profile.event_payload(),
            aggregate_version=profile.version,
            correlation_id=correlation_id,
        ),
    )


def _load(uow: ProfilesUnitOfWork, number: str) -> ProfileView:
    found = uow.profiles.with_institution(number)
    if found is None:
        raise UnknownInstitution(number)
    institution, profile = found
    return ProfileView(institution, profile or Profile(number))


def read_profile(ctx: ProfilesContext, number: str) -> ProfileView:
    """Public: anyone may read what an institution reports."""
    with ctx.uow() as uow:
        return _load(uow, number)


def _check(changes: Mapping[str, Any], institution: RegisteredInstitution, today: date) -> None:
    problems = rules.merge(
        rules.opening_hours_problems(changes.get("opening_hours") or []),
        rules.closing_days_problems(changes.get("closing_days") or [], today),
        rules.open_places_problems(changes.get("open_places") or [], institution, today),
    )
    if problems:
        raise Refused(problems)


def _stored_form(changes: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The changes as they are kept and published: dates as ISO strings, open
    places stamped with today, lists in a stable order."""
    out = dict(changes)
    if "closing_days" in out:
        out["closing_days"] = [
            {
                "date": day["date"].isoformat(),
                "until": None if day.get("until") is None else day["until"].isoformat(),
                "reason": day["reason"],
            }
            for day in sorted(out["closing_days"], key=lambda day: day["date"])
        ]
    if "opening_hours" in out:
        out["opening_hours"] = sorted(
            (dict(i) for i in out["opening_hours"]), key=lambda i: (i["weekday"], i["opens"])
        )
    if "open_places" in out:
        out["open_places"] = stamp_open_places(out["open_places"], today)
    return out


def _apply(
    ctx: ProfilesContext,
    uow: ProfilesUnitOfWork,
    view: ProfileView,
    editor: Editor,
    changes: Mapping[str, Any],
    expected_version: int,
) -> Profile:
    if view.institution.closed:
        raise ReadOnly(view.institution.number)
    current = view.profile
    if current.version != expected_version:
        raise StaleVersion(current.version)
    today = ctx.today()
    _check(changes, view.institution, today)
    stored = _stored_form(changes, today)
    changed = current.changed_fields(stored)
    if not changed:
        return current
    now = ctx.clock()
    updated = current.edited(stored, now, editor.account_id, sent=stored)
    if not uow.profiles.save(updated, expected_version):
        # Another edit landed since the read: name the version it left.
        latest = uow.profiles.get(current.number)
        raise StaleVersion(latest.version if latest else expected_version + 1)
    correlation_id = current_correlation_id()
    uow.changes.add(
        ProfileChange(
            number=updated.number,
            version=updated.version,
            at=now,
            account_id=editor.account_id,
            role=editor.role,
            fields=tuple(changed),
            correlation_id=correlation_id,
        ),
        updated.content,
    )
    uow.add_events([profile_event(updated, correlation_id)])
    uow.commit()
    return updated


def edit_profile(
    ctx: ProfilesContext,
    editor: Editor,
    number: str,
    changes: Mapping[str, Any],
    expected_version: int,
) -> ProfileView:
    """Save ``changes`` (some or all of ``PROFILE_FIELDS``, loaded) made on
    ``expected_version``. An edit that changes nothing saves nothing."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    with ctx.uow() as uow:
        view = _load(uow, number)
        if not may_edit_profile(editor, view.institution):
            raise NotPermitted(number)
        saved = _apply(ctx, uow, view, editor, changes, expected_version)
        return ProfileView(view.institution, saved)


def _district(uow: ProfilesUnitOfWork, code: int, number: str) -> ProfileView:
    view = _load(uow, number)
    if not view.institution.is_dagpleje or view.institution.municipality_code != code:
        raise UnknownInstitution(number)
    return view


def read_dagpleje(ctx: ProfilesContext, code: int, number: str) -> ProfileView:
    with ctx.uow() as uow:
        return _district(uow, code, number)


def dagpleje_districts(ctx: ProfilesContext, code: int) -> list[ProfileView]:
    """The municipality's open dagpleje districts with what is reported for them."""
    with ctx.uow() as uow:
        districts = [
            i for i in uow.institutions.in_municipality(code) if i.is_dagpleje and not i.closed
        ]
        stored = uow.profiles.many([i.number for i in districts])
        return [ProfileView(i, stored.get(i.number) or Profile(i.number)) for i in districts]


def edit_dagpleje(
    ctx: ProfilesContext,
    editor: Editor,
    code: int,
    number: str,
    changes: Mapping[str, Any],
    expected_version: int,
) -> ProfileView:
    """The municipality's report for one of its dagpleje districts (some or all
    of ``DAGPLEJE_FIELDS``)."""
    unknown = set(changes) - set(DAGPLEJE_FIELDS)
    if unknown:
        raise ValueError(f"not dagpleje fields: {sorted(unknown)}")
    if not may_manage_municipality(editor, code):
        raise NotPermitted(number)
    with ctx.uow() as uow:
        view = _district(uow, code, number)
        saved = _apply(ctx, uow, view, editor, changes, expected_version)
        return ProfileView(view.institution, saved)


def history(
    ctx: ProfilesContext,
    editor: Editor,
    number: str,
    limit: int = 50,
    before_version: int | None = None,
) -> list[ProfileChange]:
    with ctx.uow() as uow:
        view = _load(uow, number)
        if not may_read_history(editor, view.institution):
            raise NotPermitted(number)
        return uow.changes.for_institution(number, min(limit, MAX_HISTORY_PAGE), before_version)


@dataclass(frozen=True)
class Completeness:
    institution: RegisteredInstitution
    filled: tuple[str, ...]
    missing: tuple[str, ...]
    profile: Profile
    open_places_stale: bool

    @property
    def share(self) -> float:
        total = len(self.filled) + len(self.missing)
        return len(self.filled) / total if total else 0.0


def completeness(ctx: ProfilesContext, editor: Editor, code: int) -> list[Completeness]:
    """Each open institution of the municipality: which sections it has filled
    in, and how old its newest edit is."""
    if not may_manage_municipality(editor, code):
        raise NotPermitted(str(code))
    today = ctx.today()
    with ctx.uow() as uow:
        found = [i for i in uow.institutions.in_municipality(code) if not i.closed]
        stored = uow.profiles.many([i.number for i in found])
    out = []
    for institution in found:
        profile = stored.get(institution.number) or Profile(institution.number)
        expected = sections_for_kind(institution.is_dagpleje)
        filled = tuple(s for s in expected if s in profile.sections_saved_at)
        out.append(
            Completeness(
                institution=institution,
                filled=filled,
                missing=tuple(s for s in expected if s not in filled),
                profile=profile,
                open_places_stale=open_places_stale(profile.content, today),
            )
        )
    return out
