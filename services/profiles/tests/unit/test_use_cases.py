"""Editing and reading profiles on the in-memory repositories."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from dagkit.testing.clock import MovableClock
from dagtilbud_contracts import profile as contract
from dagtilbud_contracts.registry import validate_event
from profiles.domain.tenancy import Editor
from profiles.service_layer import profiles as use_cases
from profiles.service_layer.context import ProfilesContext
from profiles.service_layer.handlers import apply_institution_events
from profiles.testing.builders import dagpleje_report, register_event
from profiles.testing.fakes import FakeProfilesUnitOfWork

OWN = Editor(
    "00000000-0000-4000-8000-000000000001", "institution", municipality=101, institution="G10433"
)
OTHER = Editor(
    "00000000-0000-4000-8000-000000000002", "institution", municipality=101, institution="G20580"
)
KOMMUNE = Editor("00000000-0000-4000-8000-000000000003", "municipality", municipality=101)
ELSEWHERE = Editor("00000000-0000-4000-8000-000000000004", "municipality", municipality=147)
ADMIN = Editor("00000000-0000-4000-8000-000000000005", "admin")
DST = Editor("00000000-0000-4000-8000-000000000006", "dst")


def loaded(changes: dict[str, Any]) -> dict[str, Any]:
    """Closing days as the API loads them (dates)."""
    out = dict(changes)
    if "closing_days" in out:
        out["closing_days"] = [
            {
                **day,
                "date": date.fromisoformat(day["date"]),
                "until": date.fromisoformat(day["until"]) if day.get("until") else None,
            }
            for day in out["closing_days"]
        ]
    return out


def description(text: str) -> dict[str, Any]:
    return {"description": text}


def test_an_edit_makes_the_next_version_a_history_line_and_the_event(
    ctx: ProfilesContext, uow: FakeProfilesUnitOfWork
) -> None:
    saved = use_cases.edit_profile(ctx, OWN, "G10433", description("Vi er ude hver dag."), 0)
    assert saved.profile.version == 1
    assert saved.profile.content["description"] == "Vi er ude hver dag."
    [(topic, event)] = uow.published
    assert topic == "profiles.profiles.v1"
    assert event.type == contract.UPDATED
    assert event.subject == "G10433"
    assert event.aggregateversion == 1
    assert event.data["description"] == "Vi er ude hver dag."
    assert event.data["updated_by"] == "00000000-0000-4000-8000-000000000001"
    validate_event(event.to_dict())  # the whole profile, valid against the contract
    [change] = uow.changes.for_institution("G10433", 10)
    assert (change.version, change.account_id, change.fields) == (
        1,
        "00000000-0000-4000-8000-000000000001",
        ("description",),
    )


def test_each_edit_moves_the_version_on_by_one(
    ctx: ProfilesContext, uow: FakeProfilesUnitOfWork
) -> None:
    for version in range(5):
        use_cases.edit_profile(ctx, OWN, "G10433", description(f"tekst {version}"), version)
    assert [e.aggregateversion for _, e in uow.published] == [1, 2, 3, 4, 5]


def test_a_stale_version_is_refused_and_changes_nothing(
    ctx: ProfilesContext, uow: FakeProfilesUnitOfWork
) -> None:
    use_cases.edit_profile(ctx, OWN, "G10433", description("først"), 0)
    with pytest.raises(use_cases.StaleVersion) as refused:
        use_cases.edit_profile(ctx, KOMMUNE, "G10433", description("anden"), 0)
    assert refused.value.current == 1
    assert uow.profiles.rows["G10433"].content["description"] == "først"
    assert len(uow.published) == 1
    assert len(uow.changes.rows) == 1


def test_an_edit_that_changes_nothing_saves_nothing(
    ctx: ProfilesContext, uow: FakeProfilesUnitOfWork
) -> None:
    use_cases.edit_profile(ctx, OWN, "G10433", description("samme"), 0)
    again = use_cases.edit_profile(ctx, OWN, "G10433", description("samme"), 1)
    assert again.profile.version == 1
    assert len(uow.published) == 1


@pytest.mark.parametrize(
    ("editor", "allowed"),
    [(OWN, True), (OTHER, False), (KOMMUNE, True), (ELSEWHERE, False), (ADMIN, True), (DST, False)],
)
def test_who_may_edit_an_institution(ctx: ProfilesContext, editor: Editor, allowed: bool) -> None:
    if allowed:
        assert (
            use_cases.edit_profile(ctx, editor, "G10433", description("x"), 0).profile.version == 1
        )
    else:
        with pytest.raises(use_cases.NotPermitted):
            use_cases.edit_profile(ctx, editor, "G10433", description("x"), 0)


def test_an_unknown_institution_is_not_found(ctx: ProfilesContext) -> None:
    with pytest.raises(use_cases.UnknownInstitution):
        use_cases.edit_profile(ctx, ADMIN, "ZZZZZZ", description("x"), 0)
    with pytest.raises(use_cases.UnknownInstitution):
        use_cases.read_profile(ctx, "ZZZZZZ")


def test_a_closed_institution_is_read_only(ctx: ProfilesContext) -> None:
    with pytest.raises(use_cases.ReadOnly):
        use_cases.edit_profile(ctx, ADMIN, "C50000", description("x"), 0)
    assert use_cases.read_profile(ctx, "C50000").institution.closed


def test_open_places_are_reported_today_whatever_the_sender_says(
    ctx: ProfilesContext, clock: MovableClock
) -> None:
    places = [{"age_group": "0-2", "status": "yes", "from_month": "2027-02"}]
    saved = use_cases.edit_profile(ctx, OWN, "G10433", {"open_places": places}, 0)
    assert saved.profile.content["open_places"] == [
        {"age_group": "0-2", "status": "yes", "from_month": "2027-02", "reported_on": "2026-12-03"}
    ]
    # The same report a day later is a new report: it refreshes the day.
    clock.advance(days=1)
    again = use_cases.edit_profile(ctx, OWN, "G10433", {"open_places": places}, 1)
    assert again.profile.version == 2
    assert again.profile.content["open_places"][0]["reported_on"] == "2026-12-04"


def test_rules_refuse_with_problems_per_field(
    ctx: ProfilesContext, uow: FakeProfilesUnitOfWork
) -> None:
    bad = {"opening_hours": [{"weekday": 0, "opens": "04:00", "closes": "17:00"}]}
    with pytest.raises(use_cases.Refused) as refused:
        use_cases.edit_profile(ctx, OWN, "G10433", bad, 0)
    assert refused.value.problems == {"opening_hours": {0: {"opens": ["Opens before 05:00."]}}}
    assert uow.published == []


def test_closing_days_are_kept_in_date_order_as_text(ctx: ProfilesContext) -> None:
    today = date(2026, 12, 3)
    days = [
        {"date": (today + timedelta(days=40)).isoformat(), "reason": "b"},
        {
            "date": (today + timedelta(days=10)).isoformat(),
            "until": (today + timedelta(days=12)).isoformat(),
            "reason": "a",
        },
    ]
    saved = use_cases.edit_profile(ctx, OWN, "G10433", loaded({"closing_days": days}), 0)
    assert saved.profile.content["closing_days"] == [
        {"date": "2026-12-13", "until": "2026-12-15", "reason": "a"},
        {"date": "2027-01-12", "until": None, "reason": "b"},
    ]


def test_dagpleje_is_reported_by_the_municipality_only(
    ctx: ProfilesContext, uow: FakeProfilesUnitOfWork
) -> None:
    report = dagpleje_report()
    saved = use_cases.edit_dagpleje(ctx, KOMMUNE, 101, "D40000", report, 0)
    assert saved.profile.content["dagpleje"]["postcodes"] == ["2700", "2720"]
    district_account = Editor(
        "00000000-0000-4000-8000-000000000007",
        "institution",
        municipality=101,
        institution="D40000",
    )
    for editor in (district_account, ELSEWHERE, DST):
        with pytest.raises(use_cases.NotPermitted):
            use_cases.edit_dagpleje(ctx, editor, 101, "D40000", report, 1)
    # Only dagpleje districts, and only under their own municipality.
    with pytest.raises(use_cases.UnknownInstitution):
        use_cases.edit_dagpleje(ctx, KOMMUNE, 101, "G10433", report, 0)
    with pytest.raises(use_cases.UnknownInstitution):
        use_cases.edit_dagpleje(ctx, ADMIN, 147, "D40000", report, 1)
    [(_, event)] = uow.published
    validate_event(event.to_dict())


def test_history_is_for_those_who_may_edit(ctx: ProfilesContext) -> None:
    use_cases.edit_profile(ctx, OWN, "G10433", description("a"), 0)
    use_cases.edit_profile(ctx, KOMMUNE, "G10433", {"tags": ["musik"]}, 1)
    changes = use_cases.history(ctx, ADMIN, "G10433")
    assert [(c.version, c.role, c.fields) for c in changes] == [
        (2, "municipality", ("tags",)),
        (1, "institution", ("description",)),
    ]
    assert [
        c.version for c in use_cases.history(ctx, OWN, "G10433", limit=1, before_version=2)
    ] == [1]
    for editor in (OTHER, ELSEWHERE, DST):
        with pytest.raises(use_cases.NotPermitted):
            use_cases.history(ctx, editor, "G10433")


def test_completeness_counts_sections_saved_and_the_age_of_the_newest_edit(
    ctx: ProfilesContext, clock: MovableClock
) -> None:
    use_cases.edit_profile(
        ctx,
        OWN,
        "G10433",
        {
            "description": "a",
            "contact": {"leader_name": "A", "phone": None, "email": None, "website": None},
        },
        0,
    )
    places = [{"age_group": "0-2", "status": "yes", "from_month": "2027-02"}]
    use_cases.edit_profile(ctx, OWN, "G10433", {"open_places": places}, 1)
    clock.advance(days=31)
    found = {c.institution.number: c for c in use_cases.completeness(ctx, KOMMUNE, 101)}
    assert set(found) == {"G10433", "G20580", "D40000"}  # closed C50000 left out; X30000 elsewhere
    own = found["G10433"]
    assert own.filled == ("description", "contact", "open_places")
    assert own.missing == ("opening_hours", "closing_days", "meal_scheme")
    assert own.share == pytest.approx(0.5)
    assert own.open_places_stale
    assert found["D40000"].missing[-1] == "dagpleje"  # only a district has that section
    assert found["G20580"].share == 0
    with pytest.raises(use_cases.NotPermitted):
        use_cases.completeness(ctx, ELSEWHERE, 101)
    with pytest.raises(use_cases.NotPermitted):
        use_cases.completeness(ctx, OWN, 101)


def test_the_register_tells_which_institutions_exist_and_where(
    uow: FakeProfilesUnitOfWork, clock: MovableClock
) -> None:
    ctx = ProfilesContext(uow=uow, clock=clock)
    with uow:
        apply_institution_events(uow, [register_event("N00001", municipality_code=147)])
        uow.commit()
    assert use_cases.read_profile(ctx, "N00001").profile.version == 0
    with pytest.raises(use_cases.NotPermitted):
        use_cases.edit_profile(ctx, KOMMUNE, "N00001", description("x"), 0)
    # Re-registered with municipality 101: it moves, and so does who may edit it.
    with uow:
        apply_institution_events(uow, [register_event("N00001", version=2, municipality_code=101)])
        uow.commit()
    assert use_cases.edit_profile(ctx, KOMMUNE, "N00001", description("x"), 0).profile.version == 1
    with uow:
        apply_institution_events(uow, [register_event("N00001", version=3, closed=True)])
        uow.commit()
    with pytest.raises(use_cases.ReadOnly):
        use_cases.edit_profile(ctx, KOMMUNE, "N00001", description("y"), 1)
    # Its profile is kept as it was.
    assert use_cases.read_profile(ctx, "N00001").profile.content["description"] == "x"
