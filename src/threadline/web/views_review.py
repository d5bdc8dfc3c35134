"""Analysts' actions: merge review, referral packages, and the audit log for admins."""

from __future__ import annotations

import importlib
import io
import re
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threadline.errors import UsageError
from threadline.resolve.persons import member_key
from threadline.web import sql as web_sql
from threadline.web.errors import BadRequest, Conflict, Forbidden, NotAvailable, NotFound
from threadline.web.policy import User
from threadline.web.workbench import COUNTRY, PackageBuilder, Workbench, rows

if TYPE_CHECKING:
    from threadline.share.progress import ProgressFn

QUEUE_LIMIT = 200
BUILD = re.compile(r"^\d{8}T\d{6}Z(-\d{1,3})?$")
PACKAGES_DIR = "packages"


# -- merge review -----------------------------------------------------------------------------
def by(user: User) -> str:
    """Who took a decision, as the decisions table records it for a workbench user."""
    return f"web:{user.name}@{user.agency}"


def merges(wb: Workbench, user: User) -> dict[str, Any]:
    """Undecided model merges, and the decisions the user may see or took (audited).

    A decision is listed when its person now is visible to the user or their agency took
    it; its person is linked only when the user may open that page.
    """
    wb.require(user, "read")
    queue, done = wb.cached(
        ("merges",),
        lambda r: (rows(web_sql.merge_queue(r, QUEUE_LIMIT)), rows(web_sql.decisions(r))),
    )
    pending = [q for q in queue if wb.visible(user, q["person_id"])]
    decided = []
    for d in done:
        mine = str(d.get("os_user") or "").endswith(f"@{user.agency}")
        if not (mine or wb.visible(user, d.get("person_id"))):
            continue
        d = dict(d)
        d["href"] = f"/persons/{d['person_id']}" if wb.visible(user, d.get("person_id")) else None
        d["can_undo"] = wb.policy.can(user, "review") and not wb.read_only
        decided.append(d)
    wb.audit(user, "view", "merges", "queue", pending=len(pending))
    return {
        "pending": pending,
        "restricted": len(queue) - len(pending),
        "decisions": decided,
        "can_review": wb.policy.can(user, "review") and not wb.read_only,
    }


def _member(wb: Workbench, user: User, key: str) -> str:
    try:
        k = member_key(wb.case.engine, key.strip())
    except UsageError as exc:
        raise NotFound(str(exc)) from None
    with wb.reader() as r:
        pid = web_sql.persons_of(r, [k]).get(k)
    if not wb.visible(user, pid):
        wb.audit(user, "denied", "decision", k)
        raise Forbidden("this member belongs to a person restricted to another country")
    return k


ACTIONS = {"confirm": "merge", "reject": "split"}


def _members(
    wb: Workbench, user: User, action: str, a: str, b: str | None
) -> tuple[str, str | None]:
    if action not in ACTIONS:
        raise BadRequest(f"unknown decision {action!r}")
    ka = _member(wb, user, a)
    if action == "confirm" and not b:
        raise BadRequest("confirming a merge needs both members")
    return ka, _member(wb, user, b) if action == "confirm" and b else None


def _shown(wb: Workbench, user: User, effect: dict[str, Any]) -> dict[str, Any]:
    """A decision's effect with the persons the user may not see as placeholders."""

    def person(pid: Any) -> Any:
        return pid if pid is None or wb.visible(user, pid) else wb.placeholder(pid)

    out = dict(effect)
    for key in ("created", "emptied", "merged"):
        out[key] = [person(p) for p in effect.get(key, [])]
    out["moved"] = [
        {"member": m["member"], "from": person(m["from"]), "to": person(m["to"])}
        for m in effect.get("moved", [])
        if wb.visible(user, m["from"]) or wb.visible(user, m["to"])
    ]
    out["targets"] = [
        t for t in rows(effect.get("targets", [])) if wb.visible(user, t["person_id"])
    ]
    pid = effect.get("person_id")
    out["href"] = f"/persons/{pid}" if pid and wb.visible(user, pid) else None
    return out


def preview(wb: Workbench, user: User, action: str, a: str, b: str | None) -> dict[str, Any]:
    """What confirming or rejecting would change, before anything is changed."""
    wb.require(user, "review")
    ka, kb = _members(wb, user, action, a, b)
    effect = wb.case.preview_decision(ACTIONS[action], ka, kb)
    return _shown(wb, user, effect | {"action": action})


def decide(
    wb: Workbench, user: User, action: str, a: str, b: str | None, reason: str
) -> dict[str, Any]:
    """Confirm (merge a and b) or reject (split a out of its person) a model's merge.

    Only the persons holding the decided members change; the answer says how.
    """
    wb.require(user, "review")
    wb.require_writable()
    if not reason.strip():
        raise BadRequest("a decision needs a reason")
    ka, kb = _members(wb, user, action, a, b)
    note = f"{reason.strip()} (by {user.name}, {user.agency})"
    effect = wb.case.decide(ACTIONS[action], ka, kb, note, by(user))
    pid = effect["person_id"]
    wb.audit(
        user,
        "decide",
        action,
        ka,
        other=kb,
        reason=reason.strip(),
        person=pid,
        decision=effect["decision"],
    )
    wb.refresh()
    return _shown(wb, user, effect | {"action": action, "member": ka, "other": kb})


def undo(wb: Workbench, user: User, seq: int, reason: str) -> dict[str, Any]:
    """Take back a decision (audited): its members return to the persons they were in."""
    wb.require(user, "review")
    wb.require_writable()
    if not reason.strip():
        raise BadRequest("an undo needs a reason")
    found = wb.case.engine.query_dicts("SELECT * FROM decisions WHERE seq = ?", [seq])
    if not found:
        raise NotFound(f"no decision {seq}")
    # The agency that took a decision may take it back even when its result is a person it
    # cannot see (a split-off payment identity has no jurisdiction of its own).
    if not str(found[0]["os_user"] or "").endswith(f"@{user.agency}"):
        for key in (found[0]["member_key"], found[0]["other_key"]):
            if key:
                _member(wb, user, str(key))
    try:
        effect = wb.case.undo_decision(
            seq, f"{reason.strip()} (by {user.name}, {user.agency})", by(user)
        )
    except UsageError as exc:
        raise BadRequest(str(exc)) from None
    wb.audit(user, "decide", "undo", str(seq), reason=reason.strip())
    wb.refresh()
    return _shown(wb, user, effect | {"action": "undo"})


# -- packages ---------------------------------------------------------------------------------
def builder(wb: Workbench) -> PackageBuilder | None:
    """``threadline.share.package.build_package`` when that module exists."""
    if wb.package_builder != "auto":
        return wb.package_builder
    try:
        module = importlib.import_module("threadline.share.package")
    except ModuleNotFoundError as exc:
        if exc.name in ("threadline.share.package", "threadline.share"):
            return None
        raise
    found = getattr(module, "build_package", None)
    return found if callable(found) else None


def _root(wb: Workbench) -> Path:
    return wb.case.path / PACKAGES_DIR


def _check_country(wb: Workbench, user: User, country: str) -> None:
    if not COUNTRY.match(country):
        raise BadRequest(f"{country!r} is not an ISO 3166-1 alpha-2 country code")
    if not wb.policy.sees_country(user, country):
        raise Forbidden(f"packages for {country} are for that country's users only")


def packages(wb: Workbench, user: User) -> dict[str, Any]:
    """Built packages of the countries the user may see, and whether they may build one."""
    wb.require(user, "read")
    root = _root(wb)
    countries = sorted(
        d.name
        for d in (root.iterdir() if root.is_dir() else [])
        if d.is_dir() and COUNTRY.match(d.name) and wb.policy.sees_country(user, d.name)
    )
    if user.country not in countries:
        countries.insert(0, user.country)
    listed = []
    for cc in countries:
        running = wb.package_jobs.running(cc)  # a half-written folder is not a package yet
        for build in sorted((root / cc).iterdir() if (root / cc).is_dir() else [], reverse=True):
            if build.is_dir() and BUILD.match(build.name) and build.name != running:
                files = sorted(p for p in build.rglob("*") if p.is_file())
                listed.append(
                    {
                        "country": cc,
                        "build": build.name,
                        "files": [str(p.relative_to(build)) for p in files],
                        "bytes": sum(p.stat().st_size for p in files),
                        "download": f"/api/packages/{cc}/{build.name}/download",
                    }
                )
    job = wb.package_jobs.latest(user.country)
    return {
        "available": builder(wb) is not None,
        "can_generate": wb.policy.can(user, "package") and not wb.read_only,
        "countries": countries,
        "packages": listed,
        "job": job.status() if job else None,
    }


def generate(
    wb: Workbench, user: User, country: str, *, background: bool = False
) -> dict[str, Any]:
    """Build one country's referral package into a new time-stamped folder (audited).

    The build runs as the country's package job (``progress`` reports it). In the
    ``background`` the job's status is returned at once; else the build is waited for and
    its error, if any, raised here.
    """
    wb.require(user, "package")
    _check_country(wb, user, country)
    wb.require_writable()
    build_package = builder(wb)
    if build_package is None:
        raise NotAvailable(
            "referral packaging (threadline.share.package) is not available in this version"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out, n = _root(wb) / country / stamp, 1
    while out.exists():
        out, n = _root(wb) / country / f"{stamp}-{n}", n + 1

    def run(progress: ProgressFn) -> None:
        out.mkdir(parents=True)
        try:
            build_package(wb.case, country, out, progress=progress)
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)  # half a package must not be offered
            raise
        wb.audit(user, "package", "generate", country, build=out.name)

    job = wb.package_jobs.start(country, out.name, user.name, run)
    if background:
        return {**job.status(), "progress": f"/api/packages/{country}/progress"}
    job.wait()
    if job.exception is not None:
        raise job.exception
    return {
        "country": country,
        "build": out.name,
        "download": f"/api/packages/{country}/{out.name}/download",
    }


def progress(wb: Workbench, user: User, country: str) -> dict[str, Any]:
    """How far the country's running or last package build has got (``idle``: none yet)."""
    wb.require(user, "read")
    _check_country(wb, user, country)
    job = wb.package_jobs.latest(country)
    return job.status() if job else {"country": country, "state": "idle"}


def download(wb: Workbench, user: User, country: str, build: str) -> tuple[str, bytes, str]:
    """(file name, bytes, media type): the package's single file, or a zip of its files."""
    wb.require(user, "read")
    _check_country(wb, user, country)
    if not BUILD.match(build):
        raise BadRequest(f"{build!r} is not a package build")
    if build == wb.package_jobs.running(country):
        raise Conflict(f"package {country}/{build} is still being built")
    folder = _root(wb) / country / build
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    if not files:
        raise NotFound(f"no package {country}/{build}")
    wb.audit(user, "package", "download", country, build=build)
    if len(files) == 1:
        media = "application/zip" if files[0].suffix == ".zip" else "application/octet-stream"
        return files[0].name, files[0].read_bytes(), media
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in files:
            z.write(p, str(p.relative_to(folder)))
    return f"threadline-{country}-{build}.zip", buf.getvalue(), "application/zip"
