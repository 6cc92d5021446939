"""Keeping profiles' knowledge of the register current, from
``ingest.institutions.v1``: which institutions exist, their kind, age groups
and municipality (who may edit them), and whether they are closed (then their
information is read-only). Every new institution gets an empty profile
(version 0), so its first edit has a version to name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy.orm import Session

from dagkit.consumer import ConsumerSpec, Handling
from dagkit.envelope import Envelope
from dagtilbud_contracts import institution
from dagtilbud_contracts.consuming import payload_validator
from dagtilbud_contracts.registry import topics_for
from profiles.adapters.orm import kit_tables
from profiles.domain.institutions import RegisteredInstitution
from profiles.domain.profile import Profile
from profiles.service_layer.unit_of_work import ProfilesUnitOfWork, SqlProfilesUnitOfWork

INSTITUTION_TYPES: Final = (institution.REGISTERED, institution.UPDATED, institution.CLOSED)
TOPICS: Final = topics_for(INSTITUTION_TYPES)
CONSUMER_GROUP: Final = "profiles.institutions"


def apply_institution_events(uow: ProfilesUnitOfWork, events: Sequence[Envelope]) -> None:
    """Apply a batch, in offset order; the caller commits (the consumer's
    batch transaction, or a test)."""
    for event in events:
        registered = RegisteredInstitution.from_register(event.data)
        uow.institutions.save(registered)
        if uow.profiles.get(registered.number) is None:
            uow.profiles.add(Profile(registered.number))


def _apply_batch(session: Session, events: Sequence[Envelope]) -> None:
    apply_institution_events(SqlProfilesUnitOfWork().borrow(session), events)


def consumer_spec(topics: Sequence[str] = TOPICS, group: str = CONSUMER_GROUP) -> ConsumerSpec:
    """How profiles consumes the register (tests pass their own topic and group)."""
    return ConsumerSpec(
        group=group,
        topics=tuple(topics),
        handling=Handling.batched(INSTITUTION_TYPES, _apply_batch),
        tables=kit_tables,
        validate=payload_validator(INSTITUTION_TYPES),
    )


# The consumer process, a replay and the dead-letter redrive all use this one.
CONSUMER = consumer_spec()
