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
SCAN_BYTES = 1024 * 1024  # the whole file is scanned for its encoding, this much at a time
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
# A well-formed UTF-8 sequence of two to four bytes (no overlong forms, no
# surrogates): evidence that a file is UTF-8, which Windows-1252 text almost
# never forms by accident ("Ã¸" is what it would take).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# The five bytes Windows-1252 leaves undefined.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")

Container = Literal["xlsx", "text"]


@dataclass(frozen=True)
class TextLayout:
    """How the whole file is decoded: one encoding, decided before any row is
    read, so no row can come out in another."""

    encoding: str  # a Python codec name
    sample: str  # the decoded start of the file, for the header line
    clean: bool = True  # every byte of the file decodes in the encoding
    # A UTF-8 character found in a file that is not all UTF-8: it mixes encodings.
    utf8_example: str | None = None

    @property
    def errors(self) -> str:
        """The decoding error handler. Bytes that do not decode come through
        as lone surrogates U+DC80-U+DCFF, which name the byte; UTF-16 cannot
        do that and gives U+FFFD."""
        return "replace" if self.encoding == "utf-16" else "surrogateescape"


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
    """Decides the encoding of the whole file: a BOM says it; otherwise the
    file is UTF-8 if any of it is (a byte that is not is then an error, not a
    reason to read every letter as Windows-1252), and Windows-1252 only when
    no byte sequence in it is UTF-8."""
    raw = fh.read(SAMPLE_BYTES)
    complete = len(raw) < SAMPLE_BYTES
    fh.seek(0)
    if not raw.removeprefix(UTF8_BOM).strip():
        raise FileRejected(problems.empty_file())
    layout = _encoding(fh, raw)
    # final=False: the sample may end inside a multi-byte character.
    decoder = codecs.getincrementaldecoder(layout.encoding)(layout.errors)
    sample = decoder.decode(raw, final=complete)
    _refuse_binary(sample)
    sample = sample.lstrip("\ufeff")
    if not sample.strip():
        raise FileRejected(problems.empty_file())
    return TextLayout(layout.encoding, sample, layout.clean, layout.utf8_example)


def _encoding(fh: BinaryIO, raw: bytes) -> TextLayout:
    if raw.startswith(UTF16_BOMS):
        # Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated.
        return TextLayout("utf-16", "", _decodes(fh, "utf-16"))
    bom = raw.startswith(UTF8_BOM)
    utf8, example, cp1252 = _scan(fh, len(UTF8_BOM) if bom else 0)
    if bom:
        return TextLayout("utf-8-sig", "", utf8, None if utf8 else example)
    if utf8:
        return TextLayout("utf-8", "")
    if example is not None:
        return TextLayout("utf-8", "", False, example)
    # No UTF-8 anywhere: the other encoding Danish files come in (Excel's
    # "CSV" on Windows, DST's Windows-1252 exports). Latin-1 files decode the
    # same for every letter we need.
    return TextLayout("cp1252", "", cp1252)


def _scan(fh: BinaryIO, start: int) -> tuple[bool, str | None, bool]:
    """One pass over the file from ``start`` (past a BOM): whether all of it
    is UTF-8, the first UTF-8 multi-byte character in it, and whether all of
    it is Windows-1252."""
    fh.seek(start)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = cp1252 = True
    example: str | None = None
    tail = b""
    while chunk := fh.read(SCAN_BYTES):
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        if not chunk.isascii():
            if example is None:
                # With the last bytes before it: a character may straddle chunks.
                found = _UTF8_MULTIBYTE.search(tail + chunk)
                example = found.group().decode("utf-8") if found else None
            cp1252 = cp1252 and _CP1252_UNDEFINED.search(chunk) is None
        tail = chunk[-3:]
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False  # the file ends inside a character
    fh.seek(0)
    return utf8, example, cp1252


def _decodes(fh: BinaryIO, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := fh.read(SCAN_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        fh.seek(0)
    return True


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
