"""The Python API: one :class:`Case` per case directory; the CLI only wraps it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from threadline import __version__, custody_check, pipeline, runs, verify_deep
from threadline.custody_check import VerifyReport
from threadline.errors import (
    CaseError,
    CasePermissionError,
    EngineError,
    KeyRequiredError,
    UsageError,
)
from threadline.graph import sql as graph_sql
from threadline.ingest.canonical import IngestReport, SourceOptions, check_options, ingest_file
from threadline.keys import check_key
from threadline.progress import Progress, file_size
from threadline.resolve import persons as decisions
from threadline.resolve import sql as resolve_sql
from threadline.resolve import stable_ids
from threadline.resolve.persons import member_key
from threadline.score import sql as score_sql
from threadline.store import audit, custody, open_duckdb, open_spark, tables
from threadline.store.engine import Engine
from threadline.store.statements import raised_in

CASE_FILE = "case.json"
DB_FILE = "case.duckdb"
FORMAT_VERSION = 1
KEY_ENV = "THREADLINE_KEY"
ENGINES = ("duckdb", "spark")


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
        self.progress = Progress()  # the command line sets a display here

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
            check_key(key)
        path.mkdir(parents=True, exist_ok=True)
        (path / "tmp").mkdir(exist_ok=True)
        restrict(path)
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
        case.key = key if encrypt else None
        with case.audited("init", {"name": info["name"], "encrypted": encrypt}):
            _create_tables(store)
        fd = os.open(path / CASE_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(info, indent=2) + "\n")
        restrict(path)
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
            restrict(path)
        case = cls(path, store, info)
        case.key = key
        if not read_only:
            case.recover_interrupted_ingest()
        return case

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
            if action in custody_check.FINDINGS_ACTIONS and self.engine.dialect.name == "duckdb":
                # Stages rebuild sessions and targets, so their conflict flags are set again
                # here, before the digest that verify later compares them with.
                custody_check.flag_conflicted(self.engine)
                entry["findings_digest"] = custody_check.findings_digest(self.engine)

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
            started = self._file_started(Path(f))
            report = ingest_file(self.engine, kind, Path(f), options)
            self.progress.file_done(report, time.perf_counter() - started)
            reports.append(report)
            if on_file:
                on_file(report)
        return reports

    def _file_started(self, path: Path) -> float:
        """Tell the progress display a file is being read; the time it started."""
        self.progress.file_started(path, file_size(path))
        return time.perf_counter()

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
        reports = []
        for p in canonical:
            started = self._file_started(p)
            reports.append(ingest_file(self.engine, "media", p, options))
            self.progress.file_done(reports[-1], time.perf_counter() - started)
        if seized:
            started = self._file_started(seized[0])
            reports.append(
                ingest_media_folder(
                    self.engine,
                    self.path,
                    seized,
                    options,
                    found_on=found_on,
                    workers=workers,
                    thumbnails=thumbnails,
                    on_progress=on_progress or self.progress.media_hashed,
                    case_key=self.key if self.info.get("encrypted") else None,
                )
            )
            restrict(self.path / "media", deep=True)  # hash manifests, thumbnails
            self.progress.file_done(reports[-1], time.perf_counter() - started)
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
            started = self._file_started(Path(f))
            for report in ingest_export(self.engine, fmt, Path(f), options, how, kind):
                self.progress.file_done(report, time.perf_counter() - started)
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

    def analyze(
        self, on_stage: Callable[[str], None] | None = None, *, start: str | None = None
    ) -> list[dict[str, Any]]:
        """Run the analysis steps in pipeline order, each one transaction with its audit entry.

        ``start`` resumes at the first step of that name in :data:`pipeline.STEPS` (``graph``
        is step 2, not the graph run after ``relink``); every earlier stage must have run on
        this case since its last ingest. A stage the engine refuses leaves the stages before
        it committed and raises an :class:`EngineError` naming the stage and the purpose of
        the statement. Each audit entry records the stage's ``seconds``.
        """
        steps = pipeline.stages()
        history = runs.history(self.engine)
        first = runs.resume_at(start, history) if start else 0
        done = []
        for number, stage in enumerate(steps[first:], first + 1):
            if on_stage:
                on_stage(stage.name)
            last = history.seconds.get(stage.name)
            self.progress.stage_started(stage.name, number, len(steps), last)
            base = {"stage": stage.name, "parameters": stage.parameters}
            began = time.perf_counter()
            self.engine.watch = lambda event, name=stage.name: self.progress.statement(name, event)
            try:
                with self.audited("analyze", {**base, "code_version": __version__}) as details:
                    details["summary"] = stage.run(self.engine)
                    details["seconds"] = round(time.perf_counter() - began, 3)
            except EngineError as exc:
                purpose = raised_in(exc.__traceback__)
                raise exc.in_stage(stage.name, str(purpose) if purpose else None) from exc
            finally:
                self.engine.watch = None
            self.progress.stage_done(stage.name, details["seconds"], details["summary"])
            done.append(details)
        return done

    def match_media(self, settings: Any = None) -> dict[str, Any]:
        """Run the media stage with chosen thresholds (a ``MatchSettings``), audited."""
        from threadline.media.matching import DEFAULT_SETTINGS, run_media_stage

        chosen = settings or DEFAULT_SETTINGS
        details = {"stage": "media", "parameters": chosen.parameters(), "code_version": __version__}
        began = time.perf_counter()
        with self.audited("analyze", details) as entry:
            summary = run_media_stage(self.engine, chosen)
            entry["summary"] = summary
            entry["seconds"] = round(time.perf_counter() - began, 3)
        return summary

    def export_vics(self, target: Path | str) -> int:
        """Write a VICS JSON hash set of the matched and new media; return its entries."""
        from threadline.media.vics_export import export_vics

        count = export_vics(self.engine, Path(target))
        with self.audited("export", {"format": "vics", "out": str(Path(target).resolve())}) as e:
            e["media"] = count
        return count

    def verify(
        self,
        *,
        deep: bool = False,
        anchor: Path | str | None = None,
        public_key: Path | str | None = None,
    ) -> VerifyReport:
        """Check the whole custody graph (docs/security.md says what this proves).

        Seized files re-hashed; every stored row has a recorded source and is what its
        source stored; sources match their ingest audit entries; decisions and role
        overrides have theirs; findings are as the last audited change left them; the audit
        chain is whole. ``deep`` also re-runs the analysis in a scratch copy and compares;
        ``anchor`` (a signed head from ``threadline anchor``) checks the log still extends it.
        """
        if deep and self.engine.dialect.name != "duckdb":
            raise UsageError("verify --deep works on DuckDB cases (a scratch copy of the file)")
        report = custody_check.verify_case(self.engine)
        if anchor is not None:
            from threadline.share.anchor import check_anchor

            check_anchor(self.engine, Path(anchor), public_key, report)
        if deep:
            verify_deep.verify_deep(self, report)
        return report

    # -- persons -------------------------------------------------------------------------------
    def persons(self, limit: int = 50) -> list[dict[str, Any]]:
        """Persons with the most members first."""
        return resolve_sql.persons_list(self.engine, limit)

    def person(self, person_or_member: str) -> dict[str, Any]:
        """A person's members, links and the evidence rows behind each link.

        An old person id leads to the person it became (``resolved_from`` names the old id);
        one that became several persons is refused with their ids.
        """
        found = self.follow_id(person_or_member)
        key = member_key(self.engine, found)
        pid = resolve_sql.person_of(self.engine, key)
        detail = resolve_sql.person_detail(self.engine, str(pid))
        return detail | ({"resolved_from": person_or_member} if found != person_or_member else {})

    def id_history(self, ident: str) -> dict[str, Any]:
        """What became of a person or network id: whether current, its successors, history."""
        return stable_ids.lookup(self.engine, ident)

    def follow_id(self, ident: str) -> str:
        """``ident`` if it is current (or not an id), else the one id it became."""
        if ":" in ident or ident[:1] not in ("P", "N"):
            return ident
        found = stable_ids.lookup(self.engine, ident)
        if found["current"] or not found["history"]:
            return ident
        now = found["successors"]
        if len(now) == 1:
            return str(now[0])
        kind = found["kind"]
        if not now:
            raise UsageError(f"{kind} {ident} no longer exists (see `threadline history`)")
        raise UsageError(f"{kind} {ident} became {len(now)} {kind}s: {', '.join(now)}")

    def merge(self, a: str, b: str, reason: str) -> str:
        """Record that two members (or persons) are one person; returns the person id."""
        return self._decide("merge", a, b, reason)

    def split(self, member: str, reason: str) -> str:
        """Record that a member is not the person the model joined it to."""
        return self._decide("split", member, None, reason)

    def _decide(
        self, action: str, a: str, b: str | None, reason: str, by: str | None = None
    ) -> str:
        if not reason.strip():
            raise UsageError("a decision needs a --reason")
        ka = member_key(self.engine, self.follow_id(a))
        kb = member_key(self.engine, self.follow_id(b)) if b else None
        keys = [k for k in (ka, kb) if k]
        with self.audited(f"decision:{action}") as entry:
            seq = resolve_sql.add_decision(
                self.engine, action, ka, kb, reason, by or audit.os_user()
            )
            # Only the persons holding the decided members are re-formed; the rest keep theirs.
            before, after = decisions.regroup(self.engine, keys)
            decisions.replace_scope(self.engine, before, after)
            stable_ids.record_decision(self.engine, before, after, f"decision:{action}", seq)
            entry.update({"decision": seq, "member": ka, "other": kb, "reason": reason})
            entry.update({"before": before, "after": after})
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
        with self.audited("decision:role", {"person": pid, "role": role, "reason": reason}) as e:
            graph_sql.add_role_override(self.engine, key, role, reason, audit.os_user())
            graph_sql.override_role(self.engine, str(pid), role, reason)
            e["override"] = int(self.engine.scalar("SELECT max(seq) FROM role_overrides"))
            e["member"] = key

    def networks(self) -> list[dict[str, Any]]:
        """Facilitator networks, largest first, with facilitators and bridge counts."""
        return graph_sql.networks(self.engine)

    def targets(
        self, country: str | None = None, top: int | None = None, below_floor: bool = False
    ) -> list[dict[str, Any]]:
        """Targets by priority, optionally for one jurisdiction, with their reasons.

        ``below_floor`` adds the persons under the confidence floor (no rank) after them.
        """
        return score_sql.targets(self.engine, country, top, below_floor)

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

    # -- analyst decisions: preview, take, undo ------------------------------------------------
    def preview_decision(self, action: str, a: str, b: str | None = None) -> dict[str, Any]:
        """What a merge or split would change (persons created, merged, emptied; targets)."""
        if action not in ("merge", "split"):
            raise UsageError(f"unknown decision {action!r}; merge or split")
        ka = member_key(self.engine, self.follow_id(a))
        kb = member_key(self.engine, self.follow_id(b)) if b else None
        if action == "merge" and kb is None:
            raise UsageError("a merge needs two members")
        planned = [*resolve_sql.decisions(self.engine)]
        planned.append({"action": action, "member_key": ka, "other_key": kb})
        before, after = decisions.regroup(self.engine, [k for k in (ka, kb) if k], planned)
        return {"action": action, "member": ka, "other": kb} | decisions.changes(
            self.engine, before, after
        )

    def decide(self, action: str, a: str, b: str | None, reason: str, by: str) -> dict[str, Any]:
        """Take a merge or split decision for ``by`` (a workbench user); returns its effect."""
        preview = self.preview_decision(action, a, b)
        pid = self._decide(action, a, b, reason, by)
        seq = int(self.engine.scalar("SELECT max(seq) FROM decisions"))
        return preview | {"decision": seq, "person_id": pid}

    def undo_decision(self, seq: int, reason: str, by: str | None = None) -> dict[str, Any]:
        """Take back a merge or split: its members return exactly to where they were before.

        Refused when a later change moved any of the members it touched.
        """
        if not reason.strip():
            raise UsageError("an undo needs a --reason")
        found, before, after = decisions.recorded_effect(self.engine, seq)
        with self.audited("decision:undo") as entry:
            self.engine.execute("DELETE FROM decisions WHERE seq = ?", [seq])
            decisions.replace_scope(self.engine, after, before)
            stable_ids.record_decision(self.engine, after, before, "decision:undo", seq)
            entry.update({"decision": seq, "undone": found, "reason": reason, "by": by})
        return {"decision": seq, "restored": len(before)} | decisions.changes(
            self.engine,
            after,
            before,
        )

    # -- custody: recovery, deep verification, anchors, conflicts -----------------------------
    key: str | None = None  # the encryption key the case was opened with (scratch copies)

    def recover_interrupted_ingest(self) -> dict[str, dict[str, int]]:
        """Remove, audited, the rows an ingest killed during its commit left behind.

        DuckDB 1.5.5 may replay a torn commit's large appends without the rest of its
        transaction (duckdb/duckdb#25931): rows whose source has neither a ``sources`` row
        nor an ingest audit entry. Re-ingesting the file stores them properly.
        """
        if self.engine.dialect.name != "duckdb":
            return {}
        found = custody.orphans(self.engine, torn_only=True)
        if found:
            reason = "ingest interrupted during its commit; re-ingest the file"
            with self.audited("recover", {"reason": reason, "removed": found}):
                custody.remove_orphans(self.engine, found)
        return found

    def anchor(self, out: Path | str, signing_key: Path | str | None = None) -> dict[str, Any]:
        """Write a signed statement of the audit head to ``out`` (keep it outside the case)."""
        from threadline.share.anchor import write_anchor
        from threadline.share.package import signing_key_path

        key_path = signing_key_path(self, signing_key)
        statement = write_anchor(self.engine, str(self.info.get("name")), key_path, Path(out))
        self.note("anchor", {"out": str(Path(out).resolve()), "head": statement["head"]})
        return statement

    def conflicts(self, source_id: str | None = None) -> list[dict[str, Any]]:
        """Later versions of stored records with other content: both versions, both sources."""
        return custody.conflicts(self.engine, source_id)


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


def restrict(path: Path, *, deep: bool = False) -> None:
    """A case folder 0700 and its files 0600 (``deep``: all the way down): owner only.

    Files other processes add later (spills, the WAL) are covered by the folder's mode and,
    from the command line, by its umask of 077.
    """
    try:
        for item in (path, *(path.rglob("*") if deep else path.iterdir())):
            if item.is_symlink():
                continue
            if item.is_dir():
                item.chmod(0o700)
            elif item.is_file():
                item.chmod(0o600)
    except PermissionError:  # a case shared through group permissions keeps them
        pass


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
