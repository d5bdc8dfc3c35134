"""The checks behind ``threadline verify``: the whole custody graph of a case.

Each check adds problems to a :class:`VerifyReport`; every problem names what it concerns
(source id, table, audit sequence number). What the checks prove and what only an anchor
outside the case proves is written down in docs/security.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadline.ingest.files import scan
from threadline.store import audit, custody
from threadline.store.engine import Engine, quote_ident

# Findings an analyst defends in court; each audited change that writes them records their
# digest, so any later change made outside Threadline shows.
FINDINGS_TABLES: tuple[str, ...] = (
    "person_members",
    "person_roles",
    "networks",
    "network_members",
    "network_ties",
    "sessions",
    "targets",
    "rescue",
)
# Audit actions after which the findings are what they should be.
FINDINGS_ACTIONS = ("analyze", "decision:merge", "decision:split", "decision:role", "decision:undo")
# What a ``sources`` row must share with its ingest audit entry: column -> details key.
SOURCE_FACTS = {
    "sha256": "sha256",
    "path": "path",
    "kind": "kind",
    "format": "format",
    "agency": "agency",
    "seizure": "seizure",
    "rows_stored": "stored",
    "rows_duplicate": "duplicate",
    "rows_quarantined": "quarantined",
}


@dataclass
class VerifyReport:
    """The outcome of a chain-of-custody check."""

    ok: bool = True
    sources_checked: int = 0
    sources_absent: list[str] = field(default_factory=list)
    audit_entries: int = 0
    head_seq: int = 0
    head_hash: str = audit.GENESIS
    anchor: str | None = None  # what the anchor check found, when one was given
    sources_recomputed: int = 0  # --deep: sources whose rows were ingested again and equal
    sources_not_recomputed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        """Record a problem: the case no longer verifies."""
        self.ok = False
        self.problems.append(problem)


def findings_digest(engine: Engine) -> dict[str, str]:
    """Per findings table, the SHA-256 of its rows (order-free)."""
    found = {}
    for name in custody.existing_tables(engine, FINDINGS_TABLES):
        row = "md5(CAST(t AS VARCHAR))"
        found[name] = str(
            engine.scalar(
                f"SELECT sha256(coalesce(string_agg({row}, '' ORDER BY {row}), '')) "
                f"FROM {quote_ident(name)} t"
            )
        )
    return found


def _details(e: audit.AuditEntry) -> dict[str, Any]:
    try:
        found = json.loads(e.details)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def check_files(engine: Engine, report: VerifyReport) -> None:
    """Re-hash every seized file still present; compare with its recorded sha256."""
    for src in custody.sources(engine):
        path = Path(src["path"])
        if not path.is_file():
            report.sources_absent.append(src["path"])
            continue
        report.sources_checked += 1
        if scan(path).sha256 != src["sha256"]:
            report.fail(f"source {src['source_id']} ({src['path']}): file changed since ingest")


def check_rows(engine: Engine, report: VerifyReport) -> None:
    """Every stored row has a recorded source; each source's rows are those it stored."""
    for sid, tables in custody.orphans(engine).items():
        where = ", ".join(f"{n} in {t}" for t, n in tables.items())
        report.fail(
            f"source {sid}: {where} row(s) without a recorded source (no sources row or "
            "no ingest audit entry: an interrupted ingest or rows added outside Threadline)"
        )
    for seq, kind, source_id, digest in custody.ingest_digests(engine):
        if custody.content_digest(engine, kind, source_id) != digest:
            report.fail(
                f"source {source_id} ({kind}): stored rows differ from those recorded at "
                f"ingest (audit entry {seq})"
            )


def check_sources(engine: Engine, entries: list[audit.AuditEntry], report: VerifyReport) -> None:
    """Each ``sources`` row matches its ingest audit entry, and each entry has its row."""
    by_source = {}
    for e in entries:
        if e.action == "ingest":
            d = _details(e)
            if d.get("source_id"):
                by_source[str(d["source_id"])] = (e, d)
    recorded = {s["source_id"]: s for s in custody.sources(engine)}
    for sid, (e, _) in by_source.items():
        if sid not in recorded:
            report.fail(f"audit entry {e.seq}: records the ingest of source {sid}, which is gone")
    for sid, src in recorded.items():
        if sid not in by_source:
            report.fail(f"source {sid} ({src['path']}): no ingest audit entry")
            continue
        e, d = by_source[sid]
        differ = [col for col, key in SOURCE_FACTS.items() if key in d and d[key] != src[col]]
        if src["os_user"] != e.os_user:
            differ.append("os_user")
        at = d.get("ingested_at")
        if at is not None and at != src["ingested_at"].isoformat(timespec="microseconds"):
            differ.append("ingested_at")
        if at is None and src["ingested_at"] > e.at:  # older entries: not after its entry
            differ.append("ingested_at")
        for key in ("timezone", "country"):
            if key in d and d[key] != src[key]:
                differ.append(key)
        if differ:
            report.fail(
                f"source {sid}: {', '.join(differ)} not as recorded in its ingest audit "
                f"entry {e.seq}"
            )


def check_decisions(engine: Engine, entries: list[audit.AuditEntry], report: VerifyReport) -> None:
    """Every analyst decision and role override has its audit entry, and each entry its row."""
    tables = set(custody.existing_tables(engine, ("decisions", "role_overrides")))
    if "decisions" in tables:
        audited = {}
        for e in entries:
            if e.action in ("decision:merge", "decision:split"):
                d = _details(e)
                audited[d.get("decision")] = (e, d)
            elif e.action == "decision:undo":  # an audited undo takes its decision back
                audited.pop(_details(e).get("decision"), None)
        rows = engine.query_dicts("SELECT * FROM decisions ORDER BY seq")
        for r in rows:
            found = audited.pop(r["seq"], None)
            if found is None:
                report.fail(f"decision {r['seq']} ({r['action']}): no audit entry")
                continue
            e, d = found
            said = (e.action, d.get("member"), d.get("other"), d.get("reason"))
            if said != (f"decision:{r['action']}", r["member_key"], r["other_key"], r["reason"]):
                report.fail(f"decision {r['seq']}: differs from its audit entry {e.seq}")
        for seq, (e, _) in audited.items():
            report.fail(f"audit entry {e.seq}: records decision {seq}, which is gone")
    if "role_overrides" in tables:
        pending = [(e, _details(e)) for e in entries if e.action == "decision:role"]
        for r in engine.query_dicts("SELECT * FROM role_overrides ORDER BY seq"):
            match = next(
                (
                    i
                    for i, (_, d) in enumerate(pending)
                    if d.get("role") == r["role"]
                    and d.get("reason") == r["reason"]
                    and d.get("override", r["seq"]) == r["seq"]
                ),
                None,
            )
            if match is None:
                report.fail(
                    f"role override {r['seq']} ({r['person_id']} as {r['role']}): no audit entry"
                )
            else:
                pending.pop(match)
        for e, _ in pending:
            report.fail(f"audit entry {e.seq}: records a role override that is gone")


def check_findings(engine: Engine, entries: list[audit.AuditEntry], report: VerifyReport) -> None:
    """The findings are as the last audited change that wrote them left them."""
    last = next(
        (
            (e, _details(e)["findings_digest"])
            for e in reversed(entries)
            if e.action in FINDINGS_ACTIONS and "findings_digest" in _details(e)
        ),
        None,
    )
    if last is None:
        return
    entry, recorded = last
    now = findings_digest(engine)
    changed = sorted(t for t in recorded if now.get(t) != recorded[t])
    if changed:
        report.fail(
            f"findings table(s) {', '.join(changed)} changed since audit entry {entry.seq} "
            "(edited outside Threadline)"
        )


def check_audit(entries: list[audit.AuditEntry], engine: Engine, report: VerifyReport) -> None:
    """The chain has no gap and no edit; its head is what an anchor would hold."""
    report.audit_entries = len(entries)
    if entries:
        report.head_seq, report.head_hash = entries[-1].seq, entries[-1].hash
    broken = audit.first_broken(engine)
    if broken:
        report.fail(f"audit entry {broken[0]}: {broken[1]}")


def verify_case(engine: Engine) -> VerifyReport:
    """Every check above, in order."""
    report = VerifyReport()
    entries = audit.entries(engine)
    check_audit(entries, engine, report)
    check_files(engine, report)
    check_rows(engine, report)
    check_sources(engine, entries, report)
    check_decisions(engine, entries, report)
    check_findings(engine, entries, report)
    return report


def flag_conflicted(engine: Engine) -> int:
    """Mark session evidence and target reasons resting on a conflicted record.

    An evidence row is conflicted when its record (by source file and row) has a later
    version with other content, or is such a version: it gets ``"conflicted": true``, and so
    does every target reason citing it. Returns how many findings rows were marked.
    """
    tables = set(custody.existing_tables(engine, ("sessions", "targets", "conflicts")))
    if "conflicts" not in tables or not engine.scalar("SELECT count(*) FROM conflicts"):
        return 0
    rows = engine.query(
        "SELECT s.sha256, c.kept_row FROM conflicts c JOIN sources s ON s.source_id = "
        'c.kept_source_id UNION SELECT s.sha256, c."row" FROM conflicts c '
        "JOIN sources s ON s.source_id = c.source_id"
    )
    conflicted = {(str(sha), int(row)) for sha, row in rows}

    def mark(items: list[dict[str, Any]]) -> bool:
        hit = False
        for item in items:
            if (str(item.get("source_sha256")), int(item.get("row") or -1)) in conflicted:
                item["conflicted"] = hit = True
        return hit

    marked = 0
    if "sessions" in tables:
        for key, evidence in engine.query("SELECT session_id, evidence FROM sessions"):
            items = json.loads(evidence or "[]")
            if mark(items):
                engine.execute(
                    "UPDATE sessions SET evidence = ? WHERE session_id = ?",
                    [json.dumps(items), key],
                )
                marked += 1
    if "targets" in tables:
        for person, reasons in engine.query("SELECT person_id, reasons FROM targets"):
            found = json.loads(reasons or "[]")
            hit = False
            for reason in found:
                if mark(reason.get("evidence") or []):
                    reason["conflicted"] = hit = True
            if hit:
                engine.execute(
                    "UPDATE targets SET reasons = ? WHERE person_id = ?",
                    [json.dumps(found), person],
                )
                marked += 1
    return marked
