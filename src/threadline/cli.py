"""The ``threadline`` command: thin wrappers over :class:`threadline.Case`.

Exit codes: 0 success; 1 unexpected internal error; 2 bad usage; 3 case missing or invalid;
4 encryption key missing or wrong; 5 a source file was rejected; 6 the engine refused a
statement; 7 verification found an altered file or audit entry.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from threadline.case import Case
from threadline.cli_common import (
    console,
    key_option,
    open_case,
    out,
    quiet,
    read_key,
    spark_master,
)
from threadline.cli_progress import display
from threadline.errors import ThreadlineError, UsageError
from threadline.ingest.canonical import IngestReport
from threadline.ingest.formats import CHOICES as FORMAT_CHOICES
from threadline.schema import KINDS


@click.group()
@click.version_option(package_name="threadline")
@click.option(
    "--spark-master",
    envvar="THREADLINE_SPARK_MASTER",
    help="Spark master for cases on Spark (local[*], spark://host:7077, yarn, k8s://...).",
)
@click.option("--quiet", "-q", is_flag=True, help="Show no progress (results are still printed).")
def cli(spark_master: str | None, quiet: bool) -> None:
    """Threadline: map live-streamed abuse networks from seized data, with evidence."""


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--encrypt", is_flag=True, help="Encrypt the case database at rest.")
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="Store: one DuckDB file, or Parquet tables analysed on Spark (docs/scaling.md).",
)
@key_option
def init(case: Path, encrypt: bool, engine: str, key_file: Path | None) -> None:
    """Create a new case directory CASE."""
    Case.init(
        case, encrypt=encrypt, key=read_key(key_file), engine=engine, spark_master=spark_master()
    ).close()
    on = " on Spark" if engine == "spark" else ""
    out.print(f"created case {case}" + (" (encrypted)" if encrypt else "") + on)


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.argument("kind", required=False)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--agency", help="Agency that delivered the files.")
@click.option("--seizure", help="Seizure or exhibit reference.")
@click.option("--timezone", help="IANA zone of timestamps written without an offset.")
@click.option("--country", help="Default country (dialling region) for phone numbers.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_CHOICES),
    help="csv/jsonl (canonical, or any table with --mapping), xlsx (with --mapping), "
    "whatsapp, telegram, discord, vics, or auto to detect and say which.",
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML mapping file that maps a CSV/JSONL/XLSX export onto a kind.",
)
@click.option("--owner", help="Account of the device owner of a chat export (e.g. a phone).")
@click.option("--owner-name", help="How the owner appears as a sender in a chat export.")
@click.option(
    "--day-first/--month-first",
    "day_first",
    default=None,
    help="Date order of a WhatsApp export (default: detected from the whole file).",
)
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Ingest every file listed in a delivery manifest (as written by `threadline synth`).",
)
@click.option("--found-on", help="media: device id or platform:account the files were on.")
@click.option("--workers", type=int, help="media: hashing processes (default: every core).")
@click.option("--thumbnails", is_flag=True, help="media: also write blurred greyscale thumbnails.")
@key_option
def ingest(
    case: Path,
    kind: str | None,
    files: tuple[Path, ...],
    agency: str | None,
    seizure: str | None,
    timezone: str | None,
    country: str | None,
    fmt: str | None,
    mapping: Path | None,
    owner: str | None,
    owner_name: str | None,
    day_first: bool | None,
    manifest: Path | None,
    found_on: str | None,
    workers: int | None,
    thumbnails: bool,
    key_file: Path | None,
) -> None:
    """Ingest FILES into CASE: canonical files of KIND, or exports (--format, --mapping).

    KIND ``media`` also takes folders of seized media: every file is hashed (sha256, md5,
    sha1, PDQ, vPDQ) on all cores; only hashes and metadata are stored.

    KIND can be left out when the format says it (chat exports, VICS, mapping files).
    """
    export = (fmt not in (None, "csv", "jsonl")) or mapping is not None
    if export and kind and kind not in KINDS:
        files, kind = (Path(kind), *files), None  # no KIND given: the first word is a file
    with open_case(case, key_file) as c, display(console, quiet()) as c.progress:
        if manifest:
            reports = c.ingest_manifest(manifest)
        else:
            if not files or not (kind or export):
                raise UsageError("give KIND and FILE..., FILE... with --format, or --manifest")
            if not agency or not seizure:
                raise UsageError("--agency and --seizure are required")
            reports = c.ingest(
                kind,
                files,
                agency=agency,
                seizure=seizure,
                timezone=timezone,
                country=country,
                format=fmt,
                mapping=mapping,
                owner=owner,
                owner_name=owner_name,
                day_first=day_first,
                found_on=found_on,
                workers=workers,
                thumbnails=thumbnails,
            )
    _print_notes(reports)
    table = Table("file", "kind", "source", "stored", "duplicate", "quarantined")
    for r in reports:
        if r.already_ingested:
            table.add_row(r.path, r.kind, r.source_id, "already ingested", "", "")
        else:
            table.add_row(
                r.path, r.kind, r.source_id, str(r.stored), str(r.duplicate), str(r.quarantined)
            )
    out.print(table)


def _print_notes(reports: list[IngestReport]) -> None:
    """What each parser detected or assumed (the format chosen by auto, the date order)."""
    said: set[tuple[str, str]] = set()
    for r in reports:
        for note in r.notes:
            if (r.path, note) not in said:
                said.add((r.path, note))
                out.print(f"{r.path}: {note}", highlight=False)


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--source", help="Only rows of this source id.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@key_option
def quarantine(case: Path, source: str | None, as_json: bool, key_file: Path | None) -> None:
    """List refused rows with file, row number, field and reason."""
    with open_case(case, key_file, read_only=True) as c:
        rows = c.quarantine(source)
    if as_json:
        for r in rows:
            out.print_json(json.dumps(r, default=str), indent=None)
        return
    table = Table("source", "file", "row", "field", "reason", "detail")
    for r in rows:
        table.add_row(
            r["source_id"],
            Path(r["path"]).name,
            str(r["row"]),
            r["field"] or "",
            r["reason"],
            r["detail"] or "",
        )
    out.print(table)
    out.print(f"{len(rows)} quarantined row(s)")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@key_option
def status(case: Path, as_json: bool, key_file: Path | None) -> None:
    """Sources, table counts and quarantine counts of CASE."""
    with open_case(case, key_file, read_only=True) as c:
        st = c.status()
    if as_json:
        from threadline.case import status_dict

        out.print_json(json.dumps(status_dict(st), default=str))
        return
    out.print(f"case {st.name}" + (" (encrypted)" if st.encrypted else ""))
    table = Table("table", "rows")
    for name, n in st.counts.items():
        table.add_row(name, str(n))
    out.print(table)
    for reason, n in st.quarantine_by_reason.items():
        out.print(f"  quarantined {reason}: {n}")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--deep", is_flag=True, help="Also re-run the analysis in a scratch copy.")
@click.option(
    "--anchor",
    "anchor_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A signed audit head from `threadline anchor`: fail unless the log still extends it.",
)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The anchor signer's Ed25519 public key (PEM), obtained outside the case.",
)
@key_option
def verify(
    case: Path,
    deep: bool,
    anchor_file: Path | None,
    public_key: Path | None,
    key_file: Path | None,
) -> None:
    """Check the whole chain of custody of CASE; exit 7 on any problem (docs/security.md)."""
    with open_case(case, key_file, read_only=True) as c:
        report = c.verify(deep=deep, anchor=anchor_file, public_key=public_key)
    out.print(
        f"{report.sources_checked} source file(s) re-hashed, {len(report.sources_absent)} absent, "
        f"{report.audit_entries} audit entries checked"
    )
    out.print(f"audit head: seq {report.head_seq} hash {report.head_hash}", highlight=False)
    if report.anchor:
        out.print(f"anchor: {report.anchor}", highlight=False)
    if deep:
        out.print(
            f"deep: {report.sources_recomputed} source(s) ingested again and equal, "
            f"{len(report.sources_not_recomputed)} not recomputed; analysis re-run"
        )
    for p in report.problems:
        out.print(f"[red]FAIL[/red] {p}")
    if not report.ok:
        sys.exit(7)
    out.print("[green]chain of custody intact[/green]")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--source", help="Only later versions delivered by this source id.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@key_option
def conflicts(case: Path, source: str | None, as_json: bool, key_file: Path | None) -> None:
    """List records delivered again with other content: the kept and the later version."""
    with open_case(case, key_file, read_only=True) as c:
        rows = c.conflicts(source)
    if as_json:
        for r in rows:
            out.print_json(json.dumps(r, default=str), indent=None)
        return
    table = Table("table", "record", "kept (source:row)", "later (source:row)", "fields differ")
    for r in rows:
        table.add_row(
            r["table_name"],
            r["record_id"][:16],
            f"{r['kept_source_id']}:{r['kept_row']}",
            f"{r['source_id']}:{r['row']}",
            r["fields"],
        )
    out.print(table)
    out.print(f"{len(rows)} conflicting version(s)")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--signing-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The agency's Ed25519 private key (PEM); default THREADLINE_SIGNING_KEY or the case's.",
)
@key_option
def anchor(case: Path, out_file: Path, signing_key: Path | None, key_file: Path | None) -> None:
    """Write a signed statement of CASE's audit head to keep outside the case."""
    with open_case(case, key_file) as c:
        statement = c.anchor(out_file, signing_key)
    head = statement["head"]
    out.print(f"anchored audit head seq {head['seq']} hash {head['hash']} in {out_file}")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option(
    "--from",
    "start",
    metavar="STAGE",
    help="Resume at the first run of STAGE (resolve, graph, signals, relink, score, media); "
    "the stages before it must have run since the last ingest.",
)
@key_option
def analyze(case: Path, start: str | None, key_file: Path | None) -> None:
    """Run every analysis stage in pipeline order (or from STAGE on, with --from)."""
    with open_case(case, key_file) as c, display(console, quiet()) as c.progress:
        runs = c.analyze(start=start)
    out.print(f"{len(runs)} analysis stage(s) run")


@cli.command("match-media")
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--max-distance", type=click.IntRange(0, 256), default=31, show_default=True)
@click.option("--min-quality", type=click.IntRange(0, 100), default=50, show_default=True)
@click.option("--no-dihedral", is_flag=True, help="Do not query rotations and flips.")
@click.option(
    "--vics",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a VICS JSON hash set of the matched and new media to this file.",
)
@key_option
def match_media(
    case: Path,
    max_distance: int,
    min_quality: int,
    no_dihedral: bool,
    vics: Path | None,
    key_file: Path | None,
) -> None:
    """Match CASE's media against its hash lists with chosen PDQ thresholds."""
    from threadline.media.matching import MatchSettings

    settings = MatchSettings(
        max_distance=max_distance,
        min_quality=min_quality,
        dihedral=not no_dihedral,
        group_max_distance=max_distance,
    )
    with open_case(case, key_file) as c:
        summary = c.match_media(settings)
        if vics:
            summary["vics_entries"] = c.export_vics(vics)
    out.print_json(json.dumps(summary))


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "ftm", "graphml", "i2", "vics"]),
    default="json",
    show_default=True,
)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
@key_option
def export(case: Path, fmt: str, out_dir: Path, key_file: Path | None) -> None:
    """Export the case: JSON Lines contract, CSV, FtM, GraphML, i2 or VICS (docs/share.md)."""
    with open_case(case, key_file) as c:
        if fmt != "json":
            c.export(out_dir, format=fmt, on_done=lambda d: out.print_json(json.dumps(d)))
            return
        manifest = c.export(out_dir, format=fmt)
    out.print(f"exported to {manifest.parent}")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--show", "show", help="Person id or member key to show with its evidence.")
@click.option("--limit", default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@key_option
def persons(case: Path, show: str | None, limit: int, as_json: bool, key_file: Path | None) -> None:
    """List resolved persons, or show one with its members, links and evidence rows."""
    with open_case(case, key_file, read_only=True) as c:
        data: Any = c.person(show) if show else c.persons(limit)
    if as_json:
        out.print_json(json.dumps(data, default=str))
        return
    if not show:
        table = Table("person", "members", "accounts", "payment identities", "min confidence")
        for p in data:
            table.add_row(
                p["person_id"],
                str(p["members"]),
                str(p["accounts"]),
                str(p["identities"]),
                f"{p['min_confidence']:.3f}",
            )
        out.print(table)
        return
    if data.get("resolved_from"):
        out.print(f"{data['resolved_from']} is now person {data['person_id']}")
    out.print(f"person {data['person_id']}")
    members = Table("type", "key", "name / provider", "via", "confidence")
    for m in data["members"]:
        label = f"{m['name']} ({m['provider']})" if m["name"] else ""
        members.add_row(
            m["member_type"], m["member_key"], label, m["via"], f"{m['confidence']:.3f}"
        )
    out.print(members)
    links = Table("a", "b", "rule", "selector", "confidence")
    for ln in data["links"]:
        links.add_row(
            ln["a"],
            ln["b"],
            ln["rule"],
            f"{ln['selector_type']}={ln['value'] or ''}",
            f"{ln['confidence']:.3f}",
        )
    out.print(links)
    out.print(f"{len(data['evidence'])} evidence row(s); use --json to list them")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.argument("member_a")
@click.argument("member_b")
@click.option("--reason", required=True, help="Why these are one person (kept in the audit).")
@key_option
def merge(case: Path, member_a: str, member_b: str, reason: str, key_file: Path | None) -> None:
    """Confirm that two members (account keys, identity keys or person ids) are one person."""
    with open_case(case, key_file) as c:
        pid = c.merge(member_a, member_b, reason)
    out.print(f"merged into person {pid}")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.argument("member")
@click.option("--reason", required=True, help="Why this member is someone else.")
@key_option
def split(case: Path, member: str, reason: str, key_file: Path | None) -> None:
    """Take a member out of the person the model joined it to (survives re-runs)."""
    with open_case(case, key_file) as c:
        pid = c.split(member, reason)
    out.print(f"{member} is now person {pid}")


@cli.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--scale", default="small", show_default=True)
@click.option("--seed", default=0, show_default=True, type=int)
def synth(out_dir: Path, scale: str, seed: int) -> None:
    """Generate a synthetic operation (files, manifest, ground truth) in OUT_DIR."""
    from threadline.synth import SCALES, generate

    if scale not in SCALES:
        raise UsageError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    with console.status(f"generating {scale} world (seed {seed})"):
        summary = generate(out_dir, scale=scale, seed=seed)
    out.print(summary)


@cli.command()
@click.option(
    "--out", "out_file", type=click.Path(path_type=Path), required=True, help="Key file to write."
)
def keygen(out_file: Path) -> None:
    """Make a random 256-bit case key (for init --encrypt --key-file), readable by you only."""
    from threadline.keys import generate_key

    generate_key(out_file)
    out.print(f"case key written to {out_file} (keep it apart from the case; it is not stored)")


def main() -> None:
    """The ``threadline`` command: errors become a message and an exit code."""
    # Everything this process writes (case files, spills, manifests, packages) is the
    # owner's alone; a case holds personal data of suspects and victims.
    os.umask(0o077)
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except ThreadlineError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(exc.exit_code)


from threadline.web.cli import serve  # noqa: E402

cli.add_command(serve)
from threadline.web.cli import user  # noqa: E402

cli.add_command(user)

from threadline.share.cli import package  # noqa: E402

cli.add_command(package)
from threadline.share.cli import share  # noqa: E402

cli.add_command(share)

from threadline.graph.cli import networks, role  # noqa: E402
from threadline.score.cli import targets  # noqa: E402

cli.add_command(networks)
cli.add_command(role)
cli.add_command(targets)
from threadline.resolve.cli import history  # noqa: E402

cli.add_command(history)

if __name__ == "__main__":
    main()
