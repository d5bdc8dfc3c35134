"""``threadline networks`` and ``threadline role``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from threadline.cli_common import key_option, open_case, out


@click.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@key_option
def networks(case: Path, as_json: bool, key_file: Path | None) -> None:
    """Facilitator networks: size, facilitators, buyers, bridges, activity."""
    with open_case(case, key_file, read_only=True) as c:
        rows = c.networks()
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, default=str))
        return
    table = Table("network", "facilitators", "buyers", "bridges", "first", "last", "summary")
    for n in rows:
        table.add_row(
            str(n["network_id"]),
            str(n["sellers"]),
            str(n["buyers"]),
            str(n["bridges"]),
            str(n["first_activity"])[:10],
            str(n["last_activity"])[:10],
            str(n["summary"]),
        )
    out.print(table)


@click.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.argument("person")
@click.argument("role")
@click.option("--reason", required=True, help="Why the analyst decides so (kept in the audit).")
@key_option
def role(case: Path, person: str, role: str, reason: str, key_file: Path | None) -> None:
    """Override the role of PERSON (id or member key); survives re-runs."""
    with open_case(case, key_file) as c:
        c.set_role(person, role, reason)
    out.print(f"{person}: role set to {role}")
