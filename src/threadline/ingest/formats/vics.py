"""Project VIC VICS JSON hash sets (data model 1.3 and 2.0) into ``hashlist``.

Both are OData documents with a ``value`` array: in 2.0 its items are Media, in 1.3 they
are Cases whose ``Media`` arrays hold them. Each Media's MD5, SHA1, Category, Series,
VictimIdentified, MediaID, MediaSize, DateUpdated, IsPrecategorized and Exifs are kept; a
PDQ among ``AlternativeHashes`` fills ``pdq``; PhotoDNA is proprietary and kept only as
opaque text. ``_row`` is the Media's 1-based position among all Media of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from threadline.errors import SourceError
from threadline.ingest.formats.common import ParsedFile, ParseOptions, json_text
from threadline.ingest.formats.jsonstream import CONTEXT_KEY, Layout, Stream, top_keys
from threadline.ingest.formats.stream import Reject, Row, Split, schema_of

COLUMNS = (
    "md5",
    "sha1",
    "pdq",
    "category",
    "series",
    "victim_identified",
    "list_name",
    "media_id",
    "size",
    "photodna",
    "updated_at",
    "precategorized",
    "exif",
)
FLAT = Layout(records="value.item", context_first=True)
NESTED = Layout(records="value.item.Media.item", context_first=True)
_MEDIA_KEYS = frozenset({"MD5", "SHA1", "MediaID", "PhotoDNA", "Category"})


def parse(path: Path, options: ParseOptions) -> ParsedFile:
    """Parse a VICS JSON hash set into hash list records."""
    keys = top_keys(path, frozenset({"value"}))
    if "value" not in keys:
        raise SourceError(path, "not a VICS JSON hash set: no OData 'value' array", row=1)
    layout = NESTED if _nested(path) else FLAT  # also refuses a 'value' that is no array
    version = "1.3 (Cases > Media)" if layout is NESTED else "2.0 (Media)"
    list_name = options.list_name or path.name
    split = Split(lambda: _rows(path, layout, list_name), {"hashlist": schema_of(COLUMNS)}, "vics")
    notes = [f"VICS {version}; list name {list_name!r}"]
    return ParsedFile(path, "vics", split.sources(), notes, split)


def _nested(path: Path) -> bool:
    """Whether ``value`` holds Cases with Media arrays (1.3) rather than Media (2.0)."""
    try:
        with path.open("rb") as fh:
            for prefix, event, value in ijson.parse(fh):
                if prefix == "value" and event not in ("start_array", "end_array"):
                    raise SourceError(path, "not a VICS JSON hash set: 'value' is not an array")
                if prefix == "value.item" and event == "map_key":
                    if value == "Media":
                        return True
                    if value in _MEDIA_KEYS:
                        return False
                elif prefix == "value.item" and event == "end_map":
                    return False
    except (ijson.JSONError, UnicodeDecodeError, ValueError):
        return False  # the streaming pass reports where the JSON breaks
    return False


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json_text(value, sort_keys=True)
    return str(value)


def _pdq(media: dict[str, Any]) -> str | None:
    for alt in media.get("AlternativeHashes") or ():
        if isinstance(alt, dict) and str(alt.get("HashName", "")).upper() == "PDQ":
            return _text(alt.get("HashValue"))
    return None


def _rows(path: Path, layout: Layout, list_name: str) -> Iterator[Row]:
    for row, media in enumerate(Stream(path, layout), 1):
        if not isinstance(media, dict):
            original = json_text(media)
            yield "hashlist", Reject(row, "the Media entry is not a JSON object", original)
            continue
        media.pop(CONTEXT_KEY, None)
        exifs = media.get("Exifs")
        yield (
            "hashlist",
            (
                _text(media.get("MD5")),
                _text(media.get("SHA1")),
                _pdq(media),
                _text(media.get("Category")),
                _text(media.get("Series")),
                _text(media.get("VictimIdentified")),
                list_name,
                _text(media.get("MediaID")),
                _text(media.get("MediaSize")),
                _text(media.get("PhotoDNA")),
                _text(media.get("DateUpdated")),
                _text(media.get("IsPrecategorized")),
                _text(exifs) if exifs else None,
                row,
            ),
        )
