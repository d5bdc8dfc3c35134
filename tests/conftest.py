"""Shared fixtures: real DuckDB case directories in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from threadline import Case

DATA = Path(__file__).parent / "data"
CANONICAL = DATA / "canonical"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    c = Case.init(tmp_path / "case")
    yield c
    c.close()


@pytest.fixture
def shared_data() -> Path:
    """The third-party reference files beside the repository, when this checkout has them."""
    if not SHARED.is_dir():
        pytest.skip(f"reference data not present at {SHARED} (only in the developers' workspace)")
    return SHARED


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
