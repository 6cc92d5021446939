"""Reading uploaded register and statistics files (CSV and XLSX).

``read_file`` turns one file into :class:`~ingest.domain.model.Institution` or
:class:`~ingest.domain.model.Figure` values and a precise list of problems
(row, column, value, code, Danish and English message). The accepted formats
are described in ``services/ingest/docs/formats.md``.
"""

from .reader import FORMAT_NAMES, KIND_HINTS, read_file

__all__ = ["FORMAT_NAMES", "KIND_HINTS", "read_file"]
