"""What a file is, told from its bytes: XLSX or text, which encoding, which
delimiter. The upload's name and content type are never trusted for this."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import BinaryIO, Literal

from ingest.domain.model import FileRejected

from . import problems

SAMPLE_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
# OLE2 compound document: the old .xls format, and also the container Excel
# puts a password-protected .xlsx in (an EncryptedPackage stream).
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# Above this share of control characters the "text" is binary data that
# happened to decode (every byte decodes in cp1252).
_MAX_CONTROL_SHARE = 0.01
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DELIMITERS = (";", ",", "\t")
# Characters people use as separators that we do not accept; seeing one in a
# single-column header means the delimiter is wrong, not the column names.
_OTHER_SEPARATORS = ("|", ":", "#", "^", "~", "¤")
_QUOTED = re.compile(r'"[^"]*"')

Container = Literal["xlsx", "text"]


@dataclass(frozen=True)
class TextLayout:
    encoding: str  # a Python codec name
    sample: str  # the decoded start of the file, for the header line


def container(head: bytes) -> Container:
    """XLSX or text, from the first bytes; refuses what is neither."""
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        raise FileRejected(problems.encrypted_or_xls())
    if head.startswith(b"PK"):
        # A zip without a local file header first: empty or spanned archive.
        raise FileRejected(problems.not_xlsx("ZIP-filen er tom eller delt", "empty or split zip"))
    return "text"


def text_layout(fh: BinaryIO) -> TextLayout:
    """Decides the encoding from the BOM or by trying UTF-8 on the first 64 KB."""
    raw = fh.read(SAMPLE_BYTES)
    complete = len(raw) < SAMPLE_BYTES
    fh.seek(0)
    if not raw.removeprefix(UTF8_BOM).strip():
        raise FileRejected(problems.empty_file())
    encoding = _encoding(raw, complete)
    try:
        # final=False: the sample may end inside a multi-byte character.
        sample = codecs.getincrementaldecoder(encoding)().decode(raw, final=complete)
    except UnicodeDecodeError as exc:
        raise FileRejected(problems.bad_encoding_file()) from exc
    _refuse_binary(sample)
    sample = sample.lstrip("\ufeff")
    if not sample.strip():
        raise FileRejected(problems.empty_file())
    return TextLayout(encoding, sample)


def _encoding(raw: bytes, complete: bool) -> str:
    if raw.startswith(UTF8_BOM):
        return "utf-8-sig"
    if raw.startswith(UTF16_BOMS):
        # Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated.
        return "utf-16"
    if b"\x00" in raw:
        raise FileRejected(problems.not_a_table("filen indeholder binære data", "binary data"))
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=complete)
    except UnicodeDecodeError:
        # Not UTF-8: the other encoding Danish files come in (Excel's "CSV"
        # on Windows). Latin-1 files decode the same for every letter we need.
        return "cp1252"
    return "utf-8"


def _refuse_binary(sample: str) -> None:
    controls = len(_CONTROL.findall(sample))
    if controls > max(2, len(sample) * _MAX_CONTROL_SHARE):
        raise FileRejected(problems.not_a_table("filen indeholder binære data", "binary data"))


def first_line(sample: str) -> str:
    """The header line of the decoded sample (first non-blank line)."""
    for line in sample.splitlines():
        if line.strip():
            return line
    return ""


def delimiter(header_line: str) -> str | None:
    """``;``, ``,`` or tab, whichever the header line has most of (outside
    quotes); semicolon wins a tie, as DST and the register use it. None when
    the header has none of them (a single column)."""
    unquoted = _QUOTED.sub("", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else None


def other_separator(header_line: str) -> str | None:
    """A separator-like character in a header that has no real delimiter."""
    for char in _OTHER_SEPARATORS:
        if char in header_line:
            return char
    return None
