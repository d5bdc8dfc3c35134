"""Media as hashes: matches against hash lists, and blurred thumbnails on audited request.

Seized media is never shown. A thumbnail is made only after the user gives a reason (kept in
the audit log); it is shrunk to a few pixels and blurred before it leaves the server, and the
one-time grant to fetch it expires after two minutes.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from threadline.web import sql as web_sql
from threadline.web.errors import BadRequest, Forbidden, NotFound
from threadline.web.policy import User
from threadline.web.sessions import Session
from threadline.web.workbench import SHA256, Workbench, rows

MAX_MEDIA_BYTES = 64 * 1024 * 1024
THUMB_PIXELS = 24  # the picture is first reduced to this many pixels a side
THUMB_SIZE = 160
BLUR_RADIUS = 6
SHOWN = ("sha256", "match", "distance", "list_name", "category", "series_id", "found_on")


def _found_on_visible(
    wb: Workbench, user: User, found_on: Any, owners: dict[str, str], agency: Any = None
) -> bool:
    """The record rule, with the media's holder as its one party."""
    parties = [owners.get(str(found_on).strip().lower())] if found_on else []
    return wb.record_visible(user, str(agency) if agency else None, parties)


def item(wb: Workbench, user: User, sha256: str) -> dict[str, Any]:
    """One media file's hashes, where it was found and what it matched."""
    wb.require(user, "read")
    if not SHA256.match(sha256):
        raise BadRequest("media are named by their sha256")
    with wb.reader() as r:
        copies = rows(web_sql.media_item(r, sha256))
        found = rows(web_sql.media_matches(r, 100, sha256))
        owners = web_sql.persons_of(
            r, sorted({str(c["found_on"]).strip().lower() for c in copies if c.get("found_on")})
        )
    if not copies and not found:
        raise NotFound(f"no media {sha256[:12]}…")
    agencies = sorted({str(c["source_agency"]) for c in copies if c.get("source_agency")})
    for c in copies:
        if not _found_on_visible(wb, user, c.get("found_on"), owners, c.get("source_agency")):
            wb.audit(user, "denied", "media", sha256, source_agencies=agencies)
            raise Forbidden("this media was found on an account restricted to another country")
        c["file"] = str(c["path"]).rsplit("/", 1)[-1] if c.get("path") else None
        c["present"] = bool(c.get("path")) and Path(str(c["path"])).is_file()
        c.pop("path", None)
    wb.audit(user, "view", "media", sha256, source_agencies=agencies)
    return {
        "sha256": sha256,
        "copies": copies,
        "matches": [{k: m.get(k) for k in SHOWN} for m in found],
        "thumbnail_allowed": wb.policy.can(user, "thumbnail"),
    }


def grant_thumbnail(wb: Workbench, user: User, session: Session, sha256: str, reason: str) -> str:
    """Record why the user asks to see a blurred thumbnail; return a one-time grant."""
    wb.require(user, "thumbnail")
    if len(reason.strip()) < 5:
        raise BadRequest("give a reason (at least 5 characters) for viewing a thumbnail")
    item(wb, user, sha256)  # checks existence and visibility
    wb.audit(user, "view", "thumbnail", sha256, reason=reason.strip())
    return wb.sessions.grant(session, sha256)


def thumbnail(wb: Workbench, user: User, session: Session, sha256: str, grant: str) -> bytes:
    """A blurred PNG of the media file, for a valid one-time grant."""
    wb.require(user, "thumbnail")
    if not SHA256.match(sha256) or not wb.sessions.use_grant(session, grant, sha256):
        raise Forbidden("ask for the thumbnail with a reason first (grants are single-use)")
    with wb.reader() as r:
        copies = web_sql.media_item(r, sha256)
    paths = [Path(str(c["path"])) for c in copies if c.get("path")]
    path = next((p for p in paths if p.is_file()), None)
    if path is None:
        raise NotFound("the media file is not on this machine")
    if path.stat().st_size > MAX_MEDIA_BYTES:
        raise BadRequest("the media file is too large to make a thumbnail from")
    return blurred(path)


def blurred(path: Path) -> bytes:
    """The picture reduced to a few pixels, enlarged and blurred, as PNG bytes."""
    from PIL import Image, ImageFilter, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.draft("RGB", (THUMB_PIXELS * 4, THUMB_PIXELS * 4))
            small = img.convert("RGB")
            small.thumbnail((THUMB_PIXELS, THUMB_PIXELS))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise NotFound("the media file is not a picture Threadline can reduce") from None
    big = small.resize((THUMB_SIZE, THUMB_SIZE), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    big.filter(ImageFilter.GaussianBlur(BLUR_RADIUS)).save(out, format="PNG")
    return out.getvalue()
