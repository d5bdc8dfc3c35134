"""``threadline targets``: the ranked list with reasons."""

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
@key_option
def targets(
    case: Path, country: str | None, top: int, as_json: bool, key_file: Path | None
) -> None:
    """Ranked buyer targets with their score, jurisdiction and reasons."""
    with open_case(case, key_file, read_only=True) as c:
        rows = c.targets(country, top)
    if as_json:
        for r in rows:
            click.echo(json.dumps({**r, "reasons": json.loads(str(r["reasons"]))}, default=str))
        return
    table = Table("rank", "person", "score", "country", "reasons")
    for r in rows:
        reasons = json.loads(str(r["reasons"]))
        text = "; ".join(
            f"{x['signal']} {x['weight']:.2f} ({len(x['evidence'])} rows)" for x in reasons
        )
        table.add_row(
            str(r["rank"]), str(r["person_id"]), f"{r['score']:.3f}", str(r["country"]), text
        )
    out.print(table)
