"""Fixtures: one small multi-country case, built once and opened per test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures import BUYERS, build_case
from threadline import Case


@pytest.fixture(scope="session")
def world_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A resolved case with buyers in GB, US, AU, DE, FR and facilitators in PH (closed)."""
    path = tmp_path_factory.mktemp("world") / "case"
    build_case(path, list(enumerate(BUYERS))).close()
    return path


@pytest.fixture(scope="module")
def world(world_path: Path) -> Iterator[Case]:
    case = Case.open(world_path)
    yield case
    case.close()
