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


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A synthetic 'tiny' operation (seed 3), ingested and analysed once: (data, case)."""

    from threadline.synth import generate

    root = tmp_path_factory.mktemp("tiny")
    print("synthetic world: scale tiny, seed 3")
    generate(root / "data", scale="tiny", seed=3)
    with Case.init(root / "case") as c:
        c.ingest_manifest(root / "data" / "manifest.json")
        c.analyze()
    return root / "data", root / "case"


@pytest.fixture
def tiny_case(tiny_world: tuple[Path, Path]) -> Iterator[Case]:
    """The analysed tiny case, read-only."""
    c = Case.open(tiny_world[1], read_only=True)
    yield c
    c.close()


@pytest.fixture
def tiny_case_copy(tiny_world: tuple[Path, Path], tmp_path: Path) -> Iterator[Case]:
    """A private writable copy of the analysed tiny case."""
    import shutil

    shutil.copytree(tiny_world[1], tmp_path / "case")
    c = Case.open(tmp_path / "case")
    yield c
    c.close()
