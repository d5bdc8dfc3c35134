"""Case notes and tags on persons, sessions and evidence rows, kept per agency.

Each note is written through :meth:`Case.audited` (``note:add``), so the note and its audit
entry are stored together. A user reads and writes only their own agency's notes, and only
on what they may see: a person they may see, a session whose parties they may see, an
evidence row they may open.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from threadline.web.errors import BadRequest, Forbidden
from threadline.web.policy import User
from threadline.web.views_context import SESSION_ID
from threadline.web.workbench import SHA256, Workbench, jsonable

KINDS = ("person", "session", "evidence")
TAG = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,31}$")
TEXT_MAX = 2000


def _check_subject(wb: Workbench, user: User, kind: str, subject: str) -> None:
    """Refuse a subject the user may not see (audited like any other refusal)."""
    if kind == "person":
        wb.require_person(user, subject)
    elif kind == "session":
        if not SESSION_ID.match(subject):
            raise BadRequest(f"{subject!r} is not a session id")
        with wb.reader() as r:
            found = r.query(
                "SELECT buyer_person, seller_person FROM sessions WHERE session_id = ?", [subject]
            )
        if not found or not wb.record_visible(user, None, found[0]):
            wb.audit(user, "denied", "session", subject)
            raise Forbidden("no session of that id that you may see")
    elif kind == "evidence":
        sha, _, row = subject.partition(":")
        if not SHA256.match(sha) or not row.isdigit():
            raise BadRequest("an evidence row is named SHA256:ROW")
        if (sha, int(row)) not in wb.openable(user, [(sha, int(row))]):
            wb.audit(user, "denied", "evidence", subject)
            raise Forbidden("you may not open this evidence row")
    else:
        raise BadRequest(f"notes are kept on {', '.join(KINDS)}")


def add(wb: Workbench, user: User, kind: str, subject: str, tag: str, text: str) -> dict[str, Any]:
    """Add a note (a tag, a text or both) on a subject for the user's agency (audited)."""
    wb.require(user, "read")
    wb.require_writable()
    tag, text = tag.strip().lower(), text.strip()
    if not tag and not text:
        raise BadRequest("a note needs a tag or a text")
    if tag and not TAG.match(tag):
        raise BadRequest("a tag is 1-32 lower-case letters, digits, spaces, '-' or '_'")
    if len(text) > TEXT_MAX:
        raise BadRequest(f"a note is at most {TEXT_MAX} characters")
    _check_subject(wb, user, kind, subject)
    note_id = uuid.uuid4().hex
    details = {
        "note_id": note_id,
        "subject_kind": kind,
        "subject_id": subject,
        "tag": tag or None,
        "chars": len(text),
        "user": user.name,
        "agency": user.agency,
    }
    with wb.case.audited("note:add", details):
        wb.case.engine.execute(
            "INSERT INTO case_notes VALUES (?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [note_id, kind, subject, tag or None, text or None, user.agency, user.name],
        )
    return {"note_id": note_id, "subject_kind": kind, "subject_id": subject, "tag": tag or None}


def on(wb: Workbench, user: User, kind: str, subject: str) -> list[dict[str, Any]]:
    """The user's agency's notes on one subject, newest first."""
    wb.require(user, "read")
    _check_subject(wb, user, kind, subject)
    with wb.reader() as r:
        found = r.query_dicts(
            """SELECT note_id, subject_kind, subject_id, tag, "text", author, "at"
               FROM case_notes WHERE agency = ? AND subject_kind = ? AND subject_id = ?
               ORDER BY "at" DESC, note_id""",
            [user.agency, kind, subject],
        )
    return [jsonable(n) for n in found]


def of_agency(wb: Workbench, user: User) -> list[dict[str, Any]]:
    """Every note of the user's agency on a subject they may still see (for the package)."""
    wb.require(user, "read")
    with wb.reader() as r:
        found = r.query_dicts(
            """SELECT note_id, subject_kind, subject_id, tag, "text", author, "at"
               FROM case_notes WHERE agency = ? ORDER BY subject_kind, subject_id, "at" """,
            [user.agency],
        )
    out = []
    for n in found:
        try:
            _check_subject(wb, user, str(n["subject_kind"]), str(n["subject_id"]))
        except (Forbidden, BadRequest):
            continue  # a person since restricted (a merge moved them): not listed
        n = jsonable(n)
        n["href"] = _href(n["subject_kind"], n["subject_id"])
        out.append(n)
    return out


def _href(kind: str, subject: str) -> str:
    if kind == "person":
        return f"/persons/{subject}"
    if kind == "session":
        return f"/sessions/{subject}"
    sha, _, row = subject.partition(":")
    return f"/evidence/{sha}/{row}"
