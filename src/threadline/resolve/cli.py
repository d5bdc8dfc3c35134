"""``threadline history``: what became of a person or network id."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from threadline.cli_common import key_option, open_case, out


@click.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.argument("ident")
@click.option("--json", "as_json", is_flag=True)
@key_option
def history(case: Path, ident: str, as_json: bool, key_file: Path | None) -> None:
    """What became of person or network IDENT: current, or the ids it merged or split into."""
    with open_case(case, key_file, read_only=True) as c:
        found = c.id_history(ident)
    if as_json:
        click.echo(json.dumps(found, default=str))
        return
    kind, now = found["kind"], found["successors"]
    if found["current"]:
        out.print(f"{kind} {ident} is current")
    elif now:
        out.print(f"{kind} {ident} is now {', '.join(now)}")
    elif found["history"]:
        out.print(f"{kind} {ident} no longer exists")
    else:
        out.print(f"no {kind} {ident} in this case, now or before")
    if found["history"]:
        table = Table("at", "old id", "change", "new id", "cause", "decision")
        for h in found["history"]:
            table.add_row(
                str(h["at"])[:19],
                str(h["old_id"]),
                str(h["change"]),
                str(h["new_id"] or ""),
                str(h["cause"]),
                str(h["decision"] or ""),
            )
        out.print(table)
