"""``threadline serve`` and ``threadline user add``: the workbench's commands."""

from __future__ import annotations

from pathlib import Path

import click

from threadline.cli_common import key_option, open_case

ROLES = ("admin", "analyst", "reviewer")


@click.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--read-only",
    is_flag=True,
    help="Refuse every change to the case (merge review, packages); views are still audited.",
)
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--behind-tls-proxy",
    is_flag=True,
    help="A TLS-terminating proxy serves browsers over HTTPS: mark cookies Secure.",
)
@key_option
def serve(
    case: Path,
    host: str,
    port: int,
    read_only: bool,
    tls_cert: Path | None,
    tls_key: Path | None,
    behind_tls_proxy: bool,
    key_file: Path | None,
) -> None:
    """Serve the analyst workbench (web pages and the JSON API under /api) for CASE."""
    from threadline.web.server import check_address
    from threadline.web.server import serve as run

    check_address(host, tls_cert, tls_key, behind_tls_proxy)  # before the case is opened
    with open_case(case, key_file) as c:
        run(
            c,
            host=host,
            port=port,
            read_only=read_only,
            tls_cert=tls_cert,
            tls_key=tls_key,
            behind_tls_proxy=behind_tls_proxy,
        )


@click.group()
def user() -> None:
    """Manage the workbench's users of a case."""


@user.command("add")
@click.argument("case", type=click.Path(path_type=Path))
@click.argument("name")
@click.option(
    "--agency", required=True, help="The user's agency (a country code, or give --country)."
)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option(
    "--country", help="ISO 3166-1 alpha-2 jurisdiction (default: --agency when it is one)."
)
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the password from this file instead of prompting.",
)
@key_option
def add(
    case: Path,
    name: str,
    agency: str,
    role: str,
    country: str | None,
    password_file: Path | None,
    key_file: Path | None,
) -> None:
    """Add user NAME to CASE (the password is hashed with argon2id)."""
    from threadline.web.users import add_user

    if password_file:
        password = password_file.read_text(encoding="utf-8").rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_case(case, key_file) as c:
        u = add_user(c, name, agency=agency, role=role, password=password, country=country)
    click.echo(f"added {u.role} {u.name} ({u.agency}, jurisdiction {u.country})")
