"""Who may edit and read the history of which institution's information.

An institution edits only itself; a municipality user only the institutions
whose register municipality is its own (as profiles knows it now, so an
institution re-registered elsewhere moves with it); an admin all of them;
dst users and anyone without a token nobody. The dagpleje report of a district
is the municipality's, so the district's own account may not change it."""

from __future__ import annotations

from dataclasses import dataclass

from profiles.domain.institutions import RegisteredInstitution

ADMIN = "admin"
MUNICIPALITY = "municipality"
INSTITUTION = "institution"


@dataclass(frozen=True)
class Editor:
    """Who asks, as their verified access token says."""

    account_id: str
    role: str
    municipality: int | None = None
    institution: str | None = None


def may_edit_profile(editor: Editor, institution: RegisteredInstitution) -> bool:
    if editor.role == ADMIN:
        return True
    if editor.role == MUNICIPALITY:
        return editor.municipality == institution.municipality_code
    if editor.role == INSTITUTION:
        return editor.institution == institution.number
    return False


def may_read_history(editor: Editor, institution: RegisteredInstitution) -> bool:
    """The institution itself, its municipality and admins."""
    return may_edit_profile(editor, institution)


def may_manage_municipality(editor: Editor, municipality_code: int) -> bool:
    """The municipality's own users and admins: its dagpleje reports and the
    completeness of its institutions' information."""
    if editor.role == ADMIN:
        return True
    return editor.role == MUNICIPALITY and editor.municipality == municipality_code
