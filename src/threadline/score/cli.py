"""``threadline targets``: targets by priority, with global and per-country ranks and reasons."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from threadline.cli_common import key_option, open_case, out


@click.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--country", help="Only targets of this jurisdiction (ISO alpha-2).")
@click.option("--top", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--below-floor",
    is_flag=True,
    help="Also list persons under the confidence floor (no rank; intelligence only).",
)
@key_option
def targets(
    case: Path,
    country: str | None,
    top: int,
    as_json: bool,
    below_floor: bool,
    key_file: Path | None,
) -> None:
    """Buyer targets by priority: global and country rank, priority, confidence, reasons."""
    with open_case(case, key_file, read_only=True) as c:
        rows = c.targets(country, top, below_floor)
    if as_json:
        for r in rows:
            click.echo(json.dumps({**r, "reasons": json.loads(str(r["reasons"]))}, default=str))
        return
    table = Table(
        "global rank",
        "country rank",
        "person",
        "country",
        "priority",
        "confidence",
        "priority reasons (points, rows)",
    )
    for r in rows:
        reasons = json.loads(str(r["reasons"]))
        text = "; ".join(
            f"{x['signal']} {x['weight']:.2f} ({len(x['evidence'])})"
            for x in reasons
            if x.get("kind") == "priority"
        )
        table.add_row(
            "-" if r["rank"] is None else str(r["rank"]),
            "-" if r["country_rank"] is None else str(r["country_rank"]),
            str(r["person_id"]),
            str(r["country"]),
            f"{r['priority']:.2f}",
            f"{r['confidence']:.3f}",
            text,
        )
    out.print(table)
