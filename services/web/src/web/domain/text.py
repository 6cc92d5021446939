"""Danish alphabetical order for the pages' lists (shared with search)."""

from __future__ import annotations

from dagtilbud_contracts.collation import collation_key as danish_sort_key

__all__ = ["danish_sort_key"]
