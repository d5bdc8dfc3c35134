"""What every command module shares: consoles, the case-key option, opening a case."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from threadline.case import KEY_ENV, Case

console = Console(stderr=True)
out = Console(soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


def key_option(func: F) -> F:
    """``--key-file`` for commands that open a case."""
    return click.option(
        "--key-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=f"File holding the case key (default: the {KEY_ENV} environment variable).",
    )(func)


def read_key(key_file: Path | None) -> str | None:
    """The case key held in ``key_file``, if one was given."""
    return key_file.read_text(encoding="utf-8").strip() if key_file else None


def spark_master() -> str | None:
    """The ``--spark-master`` given to the ``threadline`` group, if any."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return root.params.get("spark_master") if root else None


def quiet() -> bool:
    """Whether ``--quiet`` was given to the ``threadline`` group (no progress display)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root.params.get("quiet")) if root else False


@contextmanager
def open_case(case: Path, key_file: Path | None, read_only: bool = False) -> Iterator[Case]:
    """Open a case for one command (every command opens cases this way) and close it after."""
    c = Case.open(case, key=read_key(key_file), read_only=read_only, spark_master=spark_master())
    try:
        yield c
    finally:
        c.close()
