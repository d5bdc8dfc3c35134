"""Shared fixtures: one tiny and one small operation per test session, and file readers."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from threadline.synth import generate

SEED = 7


@dataclass(frozen=True)
class Row:
    """One record of a source file: its row number as the ingest counts it, and its fields
    (None when the record cannot be read)."""

    number: int
    fields: dict[str, str | None] | None


@dataclass(frozen=True)
class Op:
    root: Path
    manifest: dict[str, object]

    @property
    def all_sources(self) -> list[dict[str, object]]:
        return list(self.manifest["sources"])  # type: ignore[arg-type]

    @property
    def sources(self) -> list[dict[str, object]]:
        """The event sources (accounts, messages, payments, logins, locations)."""
        return [s for s in self.all_sources if s["kind"] not in ("media", "hashlist")]

    def of_kind(self, kind: str) -> list[dict[str, object]]:
        return [s for s in self.sources if s["kind"] == kind]

    def rows(self, source: dict[str, object]) -> Iterator[Row]:
        yield from read_rows(self.root / str(source["path"]), str(source["format"]))

    def good(self, kind: str) -> Iterator[tuple[dict[str, object], Row]]:
        """Every record of a kind that is not a planted bad row."""
        bad = self.planted_rows()
        for s in self.of_kind(kind):
            for r in self.rows(s):
                if (s["path"], r.number) not in bad:
                    yield s, r

    def truth(self, name: str) -> list[dict[str, object]]:
        with (self.root / "truth" / f"{name}.jsonl").open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh]

    def planted_rows(self) -> dict[tuple[object, object], dict[str, object]]:
        return {(e["path"], e["row"]): e for e in self.truth("planted_errors")}


def read_rows(path: Path, fmt: str) -> Iterator[Row]:
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            for i, rec in enumerate(reader, start=2):
                ok = len(rec) == len(header)
                yield Row(
                    i,
                    {h: (v if v != "" else None) for h, v in zip(header, rec, strict=True)}
                    if ok
                    else None,
                )
    else:
        with path.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh, start=1):
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    obj = None
                yield Row(i, obj if isinstance(obj, dict) else None)


def _op(root: Path) -> Op:
    return Op(root, json.loads((root / "manifest.json").read_text()))


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Op:
    root = tmp_path_factory.mktemp("synth") / "tiny"
    print(f"synth tiny seed={SEED}")
    generate(root, "tiny", SEED)
    return _op(root)


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Op:
    root = tmp_path_factory.mktemp("synth") / "small"
    print(f"synth small seed={SEED}")
    generate(root, "small", SEED)
    return _op(root)


@pytest.fixture(params=["tiny", "small"])
def op(request: pytest.FixtureRequest) -> Op:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]
