"""Facts about a seized file read in one streaming pass: digest, size and line structure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from threadline.errors import SourceError

CHUNK = 4 * 1024 * 1024
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


@dataclass(frozen=True)
class FileFacts:
    """What one pass over a seized file found: its SHA-256, size in bytes and line counts."""

    sha256: str
    size: int
    lines: int  # physical lines that hold text
    blank_lines: int  # empty lines before the last line of text
    crlf: int = 0  # lines ending in CR LF
    bare_cr: int = 0  # CRs not followed by LF (old Mac line endings, or stray)
    lf: int = 0  # every LF, after a CR or not

    @property
    def mixed_line_endings(self) -> bool:
        """True when lines end in CR alone, or some in CR LF and others in LF alone."""
        return self.bare_cr > 0 or (self.crlf > 0 and self.lf > self.crlf)


def scan(path: Path) -> FileFacts:
    """Hash the file and count its lines without decoding it."""
    digest = hashlib.sha256()
    size = newlines = blanks = 0
    prev_last = b"\n"  # a blank first line counts as blank
    trailing_run = 0  # empty lines at the current end of the file
    crs = crlf = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            newlines += chunk.count(b"\n")
            cr = chunk.count(b"\r")
            crs += cr
            crlf += (chunk.count(b"\r\n") if cr else 0) + (
                prev_last == b"\r" and chunk[:1] == b"\n"
            )
            joined = prev_last + chunk
            # Most files hold no CR at all: one search fewer over each chunk.
            run = joined.count(b"\n\n") + (joined.count(b"\n\r\n") if cr else 0)
            blanks += run
            stripped = chunk.rstrip(b"\r\n")
            if stripped:
                tail = chunk[len(stripped) :]
                trailing_run = max(tail.count(b"\n") - 1, 0)
            else:
                trailing_run += chunk.count(b"\n")
            prev_last = chunk[-1:]
    ends_open = size > 0 and prev_last != b"\n"
    text_lines = newlines + (1 if ends_open else 0) - blanks
    return FileFacts(
        digest.hexdigest(),
        size,
        text_lines,
        max(blanks - trailing_run, 0),
        crlf,
        crs - crlf,
        newlines,
    )


def detect_format(path: Path, explicit: str | None = None) -> str:
    """``csv`` or ``jsonl`` from the option or the file name."""
    if explicit:
        if explicit not in ("csv", "jsonl"):
            raise SourceError(path, f"unknown format {explicit!r}; use csv or jsonl")
        return explicit
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise SourceError(path, "cannot tell the format from the name; pass --format csv|jsonl")
    return found
