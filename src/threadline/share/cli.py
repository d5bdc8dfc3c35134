"""Commands of the share layer: ``threadline package ...`` and ``threadline share ...``.

Kept apart from :mod:`threadline.cli` (which adds these groups) so that module stays thin;
the case-opening helpers come from threadline.cli_common, shared by every command module.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from threadline.cli_common import console, key_option, open_case, out, quiet
from threadline.share import deconflict, signing
from threadline.share.dossier import DEFAULT_FLOOR
from threadline.share.package import build_package, case_public_key, verify_package
from threadline.share.progress import BuildProgress

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class _DefaultBuild(click.Group):
    """``threadline package CASE ...`` means ``threadline package build CASE ...``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["build", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultBuild)
def package() -> None:
    """Referral packages per country: build (default), verify, keygen."""


@package.command("build")
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--country", required=True, help="Receiving jurisdiction (ISO 3166-1 alpha-2).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
@click.option(
    "--signing-key",
    type=FILE,
    help="Ed25519 private key (PEM); default THREADLINE_SIGNING_KEY, else the case's own key.",
)
@click.option(
    "--confidence-floor",
    "floor",
    type=click.FloatRange(0.0, 1.0),
    default=DEFAULT_FLOOR,
    show_default=True,
    help="Targets under this confidence go to the annex, marked intelligence only.",
)
@key_option
def build(
    case: Path,
    country: str,
    out_dir: Path,
    signing_key: Path | None,
    floor: float,
    key_file: Path | None,
) -> None:
    """Write a signed referral package for one country (report PDF + HTML, bundle)."""
    with open_case(case, key_file) as c:
        folder = build_package(
            c,
            country,
            out_dir,
            signing_key=signing_key,
            floor=floor,
            progress=None if quiet() else _step_line,
        )
        public = None if signing_key else case_public_key(c)
    manifest = json.loads((folder / signing.MANIFEST).read_text(encoding="utf-8"))
    out.print(
        f"package for {manifest['country']}: {manifest['targets']} target(s), "
        f"{manifest.get('annex_intelligence_only', 0)} under the confidence floor (annex), "
        f"{len(manifest['files'])} file(s) signed, in {folder}"
    )
    out.print(f"signer key sha256 {manifest['signature']['public_key_sha256']}")
    if public:
        out.print(f"verify with the case's public key: {public}")


def _step_line(p: BuildProgress) -> None:
    """One stderr line as each step of the build starts (not per item: logs stay short)."""
    if p.done == 0:
        items = p.item if p.total == 1 else f"{p.item}s"
        console.print(
            f"package: step {p.step} of {p.steps}: {p.name} ({p.total:,} {items})",
            markup=False,
            highlight=False,
        )


@package.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--public-key", type=FILE, required=True, help="The signer's public key (PEM).")
def verify(folder: Path, public_key: Path) -> None:
    """Check a package's signature and every file's sha256; exit 7 on any mismatch."""
    result = verify_package(folder, public_key)
    out.print(f"{result.files_checked} file(s) checked in {folder}")
    for problem in result.problems:
        out.print(f"[red]FAIL[/red] {problem}", highlight=False)
    if not result.ok:
        sys.exit(7)
    out.print("[green]package intact and signed by this key[/green]")


@package.command()
@click.argument("folder", type=click.Path(path_type=Path))
def keygen(folder: Path) -> None:
    """Make an Ed25519 signing key pair in FOLDER (give the .pub.pem to the receivers)."""
    private, public = signing.generate_keypair(folder)
    key = signing.load_public_key(public)
    out.print(f"private key {private} (keep it secret)\npublic key {public}")
    out.print(f"public key sha256 {signing.fingerprint(key)}")


@click.group()
def share() -> None:
    """Cross-agency deconfliction with keyed selector hashes: keygen, selectors, match."""


@share.command("keygen")
@click.option("--out", "out_file", type=click.Path(path_type=Path), required=True)
def share_keygen(out_file: Path) -> None:
    """Make a random 256-bit operation key to share with the partner agencies."""
    deconflict.generate_key(out_file)
    out.print(f"operation key written to {out_file} (share it only over a secure channel)")


@share.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--key", "op_key", type=FILE, required=True, help="The operation key file.")
@click.option("--out", "out_file", type=click.Path(path_type=Path), required=True)
@click.option("--holder", help="Name of the agency holding this case (default: the case name).")
@key_option
def selectors(
    case: Path, op_key: Path, out_file: Path, holder: str | None, key_file: Path | None
) -> None:
    """Write keyed hashes of CASE's strong selectors (never the raw values) to a file."""
    key = deconflict.load_key(op_key)
    with open_case(case, key_file) as c:
        header = deconflict.share_selectors(c, key, out_file, holder)
    kinds = ", ".join(f"{n} {k}" for k, n in header["kinds"].items())
    out.print(f"{header['selectors']} selector hash(es) written to {out_file} ({kinds})")


@share.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.argument("files", nargs=-1, required=True, type=FILE)
@click.option("--key", "op_key", type=FILE, required=True, help="The operation key file.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@key_option
def match(
    case: Path, files: tuple[Path, ...], op_key: Path, as_json: bool, key_file: Path | None
) -> None:
    """Which of CASE's persons the holders of selector FILES also hold, by selector kind."""
    key = deconflict.load_key(op_key)
    with open_case(case, key_file) as c:
        rows = deconflict.share_match(c, key, list(files))
    if as_json:
        for r in rows:
            out.print_json(json.dumps(r), indent=None)
        return
    table = Table("person", "also held by", "selector kinds", "their roles", "their window")
    for r in rows:
        window = f"{r['their_first_seen'] or '?'} to {r['their_last_seen'] or '?'}"
        table.add_row(
            r["person_id"], r["holder"], ", ".join(r["kinds"]), ", ".join(r["their_roles"]), window
        )
    out.print(table)
    out.print(f"{len({r['person_id'] for r in rows})} of our person(s) held elsewhere")
