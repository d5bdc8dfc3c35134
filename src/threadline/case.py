"""The Python API: one :class:`Case` per case directory; the CLI only wraps it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from threadline import __version__, pipeline
from threadline.errors import CaseError, CasePermissionError, KeyRequiredError, UsageError
from threadline.graph import sql as graph_sql
from threadline.ingest.canonical import IngestReport, SourceOptions, check_options, ingest_file
from threadline.ingest.files import scan
from threadline.resolve import sql as resolve_sql
from threadline.resolve.persons import member_key, recompute_members
from threadline.score import sql as score_sql
from threadline.store import audit, custody, open_duckdb, open_spark, tables
from threadline.store.engine import Engine

CASE_FILE = "case.json"
DB_FILE = "case.duckdb"
FORMAT_VERSION = 1
KEY_ENV = "THREADLINE_KEY"
ENGINES = ("duckdb", "spark")


@dataclass
class VerifyReport:
    """The outcome of a chain-of-custody check."""

    ok: bool = True
    sources_checked: int = 0
    sources_absent: list[str] = field(default_factory=list)
    audit_entries: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class CaseStatus:
    """A case's name, encryption, sources, table counts and quarantine counts."""

    name: str
    encrypted: bool
    sources: list[dict[str, Any]]
    counts: dict[str, int]
    quarantine_by_reason: dict[str, int]


class Case:
    """A case directory: its DuckDB store, sources, quarantine and audit log."""

    def __init__(self, path: Path, engine: Engine, info: dict[str, Any]) -> None:
        self.path = path
        self.engine = engine
        self.info = info

    # -- life cycle ----------------------------------------------------------------------
    @classmethod
    def init(
        cls,
        path: Path | str,
        *,
        encrypt: bool = False,
        key: str | None = None,
        engine: str = "duckdb",
        spark_master: str | None = None,
    ) -> Case:
        """Create a new case directory (it must not exist or be empty).

        ``engine`` is ``duckdb`` (one file) or ``spark`` (Parquet tables, ``spark_master``
        default ``local[*]``); the case keeps its engine.
        """
        path = Path(path)
        if (path / CASE_FILE).exists():
            raise CaseError(f"{path}: a case already exists here")
        if engine not in ENGINES:
            raise UsageError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
        if encrypt and engine != "duckdb":
            raise UsageError("--encrypt is DuckDB's encryption at rest; on Spark encrypt storage")
        if encrypt:
            key = key or os.environ.get(KEY_ENV)
            if not key:
                raise KeyRequiredError(f"--encrypt needs a key: set {KEY_ENV} or pass --key-file")
        path.mkdir(parents=True, exist_ok=True)
        (path / "tmp").mkdir(exist_ok=True)
        info = {
            "format_version": FORMAT_VERSION,
            "name": path.resolve().name,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "encrypted": bool(encrypt),
            "tool_version": __version__,
            "engine": engine,
        }
        store = _open_engine(path, info, key if encrypt else None, False, spark_master)
        case = cls(path, store, info)
        with case.audited("init", {"name": info["name"], "encrypted": encrypt}):
            _create_tables(store)
        (path / CASE_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        return case

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        key: str | None = None,
        read_only: bool = False,
        engine: str | None = None,
        spark_master: str | None = None,
    ) -> Case:
        """Open an existing case; an encrypted one needs its key (argument or THREADLINE_KEY).

        ``engine`` (default: the case's own) must be the engine the case was made with.
        """
        path = Path(path)
        info_file = path / CASE_FILE
        check_access(path, read_only=read_only)
        if not info_file.is_file():
            raise CaseError(
                f"{path}: not a Threadline case (no {CASE_FILE}); run `threadline init`"
            )
        info = json.loads(info_file.read_text(encoding="utf-8"))
        if info.get("encrypted"):
            key = key or os.environ.get(KEY_ENV)
            if not key:
                raise KeyRequiredError(
                    f"{path}: the case is encrypted; set {KEY_ENV} or pass --key-file"
                )
        else:
            key = None
        (path / "tmp").mkdir(exist_ok=True)
        if engine and engine != info.get("engine", "duckdb"):
            raise CaseError(f"{path}: the case was made on {info.get('engine', 'duckdb')}")
        store = _open_engine(path, info, key, read_only, spark_master)
        if not read_only:  # cases made by an older version gain the newer tables
            with store.transaction():
                _create_tables(store)
        return cls(path, store, info)

    def close(self) -> None:
        """Release the store."""
        self.engine.close()

    @contextmanager
    def audited(
        self, action: str, details: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """One transaction for a change and its audit entry; yields the entry's details.

        Every change to a case goes through here (or :func:`threadline.store.audit.audited`
        for ingest, which runs below the case): both are stored, or neither.
        """
        with audit.audited(self.engine, action, details) as entry:
            yield entry

    def note(self, action: str, details: dict[str, Any]) -> None:
        """Record something done outside the store (an export, a package) in the audit log."""
        with self.audited(action, details):
            pass

    def __enter__(self) -> Case:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- ingest ----------------------------------------------------------------------------
    def ingest(
        self,
        kind: str | None,
        files: Iterable[Path | str],
        *,
        agency: str,
        seizure: str,
        timezone: str | None = None,
        country: str | None = None,
        format: str | None = None,
        mapping: Path | str | None = None,
        owner: str | None = None,
        owner_name: str | None = None,
        day_first: bool | None = None,
        found_on: str | None = None,
        workers: int | None = None,
        thumbnails: bool = False,
        on_file: Callable[[IngestReport], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[IngestReport]:
        """Ingest files as seized; each file is atomic and idempotent. The one ingest route.

        Canonical CSV/JSONL files of ``kind`` load as they are. A real-world ``format``
        (``whatsapp``, ``telegram``, ``discord``, ``vics``, ``xlsx``, ``auto``...) or a
        ``mapping`` file goes to :meth:`ingest_export` (``kind`` optional there); ``media``
        without a format is hashed by :meth:`ingest_media` (folders or files).
        """
        if (format and format not in ("csv", "jsonl")) or mapping is not None:
            return self.ingest_export(
                format or "auto",
                files,
                agency=agency,
                seizure=seizure,
                timezone=timezone,
                country=country,
                owner=owner,
                owner_name=owner_name,
                mapping=mapping,
                day_first=day_first,
                kind=kind,
                on_file=on_file,
            )
        if not kind:
            raise UsageError("give the KIND of canonical files, or a --format or --mapping")
        if kind == "media" and not format:
            return self.ingest_media(
                files,
                agency=agency,
                seizure=seizure,
                timezone=timezone,
                found_on=found_on,
                workers=workers,
                thumbnails=thumbnails,
                on_file=on_file,
                on_progress=on_progress,
            )
        options = check_options(SourceOptions(agency, seizure, timezone, country, format))
        reports = []
        for f in files:
            report = ingest_file(self.engine, kind, Path(f), options)
            reports.append(report)
            if on_file:
                on_file(report)
        return reports

    def ingest_manifest(
        self, manifest: Path | str, on_file: Callable[[IngestReport], None] | None = None
    ) -> list[IngestReport]:
        """Ingest every file a delivery manifest lists, each with its own custody facts."""
        from threadline.ingest.manifest import read_manifest

        reports: list[IngestReport] = []
        for entry in read_manifest(Path(manifest)):
            folder = entry.format == "folder"  # seized media: hashed, never stored
            reports += self.ingest(
                "media" if folder else entry.kind,
                [entry.path],
                agency=entry.agency,
                seizure=entry.seizure,
                timezone=entry.timezone,
                country=entry.country,
                format=None if folder else entry.format,
                found_on=entry.found_on,
                on_file=on_file,
            )
        return reports

    def ingest_media(
        self,
        items: Iterable[Path | str],
        *,
        agency: str,
        seizure: str,
        timezone: str | None = None,
        found_on: str | None = None,
        workers: int | None = None,
        thumbnails: bool = False,
        on_file: Callable[[IngestReport], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[IngestReport]:
        """Ingest media: canonical media lists as files, and seized folders/files by hashing.

        Folders are walked and every file hashed on all cores (sha256, md5, sha1; PDQ for
        images, vPDQ for videos); ``found_on`` names the device or ``platform:account`` they
        were found on; ``thumbnails`` also writes blurred greyscale thumbnails (default off).
        """
        from threadline.media.ingest import ingest_media_folder, split_inputs

        options = check_options(SourceOptions(agency, seizure, timezone))
        canonical, seized = split_inputs(items)
        reports = [ingest_file(self.engine, "media", p, options) for p in canonical]
        if seized:
            reports.append(
                ingest_media_folder(
                    self.engine,
                    self.path,
                    seized,
                    options,
                    found_on=found_on,
                    workers=workers,
                    thumbnails=thumbnails,
                    on_progress=on_progress,
                )
            )
        for report in reports:
            if on_file:
                on_file(report)
        return reports

    def ingest_export(
        self,
        fmt: str,
        files: Iterable[Path | str],
        *,
        agency: str,
        seizure: str,
        timezone: str | None = None,
        country: str | None = None,
        owner: str | None = None,
        owner_name: str | None = None,
        mapping: Path | str | None = None,
        day_first: bool | None = None,
        list_name: str | None = None,
        kind: str | None = None,
        on_file: Callable[[IngestReport], None] | None = None,
    ) -> list[IngestReport]:
        """Ingest real-world exports: one report per (file, kind) they yield.

        ``fmt`` is ``whatsapp``, ``telegram``, ``discord``, ``vics``, ``csv``/``jsonl``/
        ``xlsx`` with a ``mapping`` file (canonical csv/jsonl without one, given ``kind``),
        or ``auto``. ``owner`` is the account of the device owner, ``owner_name`` how the
        owner appears as a sender; ``day_first`` fixes a WhatsApp export's date order.
        """
        from threadline.ingest.formats import ParseOptions
        from threadline.ingest.formats.runner import ingest_export

        options = check_options(SourceOptions(agency, seizure, timezone, country))
        how = ParseOptions(
            owner, owner_name, day_first, Path(mapping) if mapping else None, list_name
        )
        reports = []
        for f in files:
            for report in ingest_export(self.engine, fmt, Path(f), options, how, kind):
                reports.append(report)
                if on_file:
                    on_file(report)
        return reports

    def quarantine(self, source_id: str | None = None) -> list[dict[str, Any]]:
        """Every refused row with its file, row number, field and reason."""
        return custody.quarantine(self.engine, source_id)

    def sources(self) -> list[dict[str, Any]]:
        """Every ingested source's record, in ingest order."""
        return custody.sources(self.engine)

    # -- status, analysis, verification -------------------------------------------------------
    def status(self) -> CaseStatus:
        """The case's name, encryption, sources, table counts and quarantine reasons."""
        reasons = custody.quarantine_by_reason(self.engine)
        return CaseStatus(
            name=str(self.info.get("name")),
            encrypted=bool(self.info.get("encrypted")),
            sources=self.sources(),
            counts=custody.table_counts(self.engine),
            quarantine_by_reason=reasons,
        )

    def analyze(self, on_stage: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
        """Run every analysis stage in pipeline order, each recorded in the audit log."""
        runs = []
        for stage in pipeline.stages():
            if on_stage:
                on_stage(stage.name)
            base = {"stage": stage.name, "parameters": stage.parameters}
            with self.audited("analyze", {**base, "code_version": __version__}) as details:
                details["summary"] = stage.run(self.engine)
            runs.append(details)
        return runs

    def match_media(self, settings: Any = None) -> dict[str, Any]:
        """Run the media stage with chosen thresholds (a ``MatchSettings``), audited."""
        from threadline.media.matching import DEFAULT_SETTINGS, run_media_stage

        chosen = settings or DEFAULT_SETTINGS
        details = {"stage": "media", "parameters": chosen.parameters(), "code_version": __version__}
        with self.audited("analyze", details) as entry:
            summary = run_media_stage(self.engine, chosen)
            entry["summary"] = summary
        return summary

    def export_vics(self, target: Path | str) -> int:
        """Write a VICS JSON hash set of the matched and new media; return its entries."""
        from threadline.media.vics_export import export_vics

        count = export_vics(self.engine, Path(target))
        with self.audited("export", {"format": "vics", "out": str(Path(target).resolve())}) as e:
            e["media"] = count
        return count

    def verify(self) -> VerifyReport:
        """Re-hash the source files still present and check the audit chain."""
        report = VerifyReport()
        for src in self.sources():
            path = Path(src["path"])
            if not path.is_file():
                report.sources_absent.append(src["path"])
                continue
            report.sources_checked += 1
            if scan(path).sha256 != src["sha256"]:
                report.ok = False
                report.problems.append(
                    f"source {src['source_id']} ({src['path']}): file changed since ingest"
                )
        for seq, kind, source_id, digest in custody.ingest_digests(self.engine):
            if custody.content_digest(self.engine, kind, source_id) != digest:
                report.ok = False
                report.problems.append(
                    f"source {source_id} ({kind}): stored rows differ from those recorded at "
                    f"ingest (audit entry {seq})"
                )
        report.audit_entries = len(audit.entries(self.engine))
        broken = audit.first_broken(self.engine)
        if broken:
            report.ok = False
            report.problems.append(f"audit entry {broken[0]}: {broken[1]}")
        return report

    # -- persons -------------------------------------------------------------------------------
    def persons(self, limit: int = 50) -> list[dict[str, Any]]:
        """Persons with the most members first."""
        return resolve_sql.persons_list(self.engine, limit)

    def person(self, person_or_member: str) -> dict[str, Any]:
        """A person's members, links and the evidence rows behind each link."""
        key = member_key(self.engine, person_or_member)
        pid = resolve_sql.person_of(self.engine, key)
        return resolve_sql.person_detail(self.engine, str(pid))

    def merge(self, a: str, b: str, reason: str) -> str:
        """Record that two members (or persons) are one person; returns the person id."""
        return self._decide("merge", a, b, reason)

    def split(self, member: str, reason: str) -> str:
        """Record that a member is not the person the model joined it to."""
        return self._decide("split", member, None, reason)

    def _decide(self, action: str, a: str, b: str | None, reason: str) -> str:
        if not reason.strip():
            raise UsageError("a decision needs a --reason")
        ka = member_key(self.engine, a)
        kb = member_key(self.engine, b) if b else None
        with self.audited(f"decision:{action}") as entry:
            seq = resolve_sql.add_decision(self.engine, action, ka, kb, reason, audit.os_user())
            recompute_members(self.engine)
            entry.update({"decision": seq, "member": ka, "other": kb, "reason": reason})
        return str(resolve_sql.person_of(self.engine, ka))

    # -- findings ------------------------------------------------------------------------------
    def set_role(self, person: str, role: str, reason: str) -> None:
        """An analyst's role for a person; audited, and kept over every re-run."""
        from threadline.graph.roles import ROLES

        if role not in ROLES:
            raise UsageError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        if not reason.strip():
            raise UsageError("a role override needs a --reason")
        key = member_key(self.engine, person)
        pid = resolve_sql.person_of(self.engine, key)
        with self.audited("decision:role", {"person": pid, "role": role, "reason": reason}):
            graph_sql.add_role_override(self.engine, key, role, reason, audit.os_user())
            graph_sql.override_role(self.engine, str(pid), role, reason)

    def networks(self) -> list[dict[str, Any]]:
        """Facilitator networks, largest first, with facilitators and bridge counts."""
        return graph_sql.networks(self.engine)

    def targets(self, country: str | None = None, top: int | None = None) -> list[dict[str, Any]]:
        """Ranked targets, optionally for one jurisdiction, with their reasons."""
        return score_sql.targets(self.engine, country, top)

    # -- export ------------------------------------------------------------------------------
    def export(
        self,
        out: Path | str,
        format: str = "json",
        on_done: Callable[[dict[str, Any]], None] | None = None,
    ) -> Path:
        """Export the case, audited; every export goes through here.

        ``json`` writes the export contract (manifest.json + one JSON Lines file per table)
        and returns the manifest's path; ``csv``, ``ftm``, ``graphml``, ``i2`` and ``vics``
        write the standard exports (:mod:`threadline.share.exports`) and return ``out``.
        ``on_done`` receives what the audit entry records.
        """
        from threadline.share.export_json import export_json

        out = Path(out)
        if format != "json":
            from threadline.share.exports import export_format

            details = export_format(self, format, out)
            if on_done:
                on_done(details)
            return out
        manifest = export_json(self.engine, out, str(self.info.get("name")))
        with self.audited("export", {"format": format, "out": str(out.resolve())}) as entry:
            entry["files"] = manifest["files"]
        return out / "manifest.json"


def _open_engine(
    path: Path, info: dict[str, Any], key: str | None, read_only: bool, master: str | None
) -> Engine:
    if info.get("engine", "duckdb") == "spark":
        return open_spark(path, master)
    return open_duckdb(path / DB_FILE, key=key, read_only=read_only)


def _create_tables(engine: Engine) -> None:
    from threadline.ingest.tables import TABLES as RECORD_TABLES

    tables.create_all(engine, pipeline.tables(), list(RECORD_TABLES))


def status_dict(status: CaseStatus) -> dict[str, Any]:
    """A status as plain data (for ``--json``)."""
    return asdict(status)


def check_access(path: Path, *, read_only: bool) -> None:
    """Refuse a case this user may not read (or, unless ``read_only``, write) by that name.

    Without this a directory the user cannot enter looks like "not a case", and a read-only
    mount fails deep inside the engine.
    """
    if path.is_dir() and not os.access(path, os.R_OK | os.X_OK):
        raise CasePermissionError(f"{path}: permission denied: this user cannot read the case")
    if read_only or not (path / CASE_FILE).is_file():
        return
    db = path / DB_FILE
    try:
        probe = path / f".write-check-{os.getpid()}"
        probe.touch(exist_ok=False)
        probe.unlink()
        if db.exists() and not os.access(db, os.W_OK):
            raise PermissionError(13, "the case database is read-only")
    except OSError as exc:
        raise CasePermissionError(
            f"{path}: the case cannot be written ({exc.strerror}): fix its permissions or "
            "mount, or use a command that only reads it"
        ) from None
