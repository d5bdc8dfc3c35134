"""Same seed, same bytes; another seed, another operation."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from threadline.synth import SCALES, generate


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", "tiny", 3)
    b = generate(tmp_path / "b", "tiny", 3)
    assert a.rows == b.rows
    fa, fb = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert fa.keys() == fb.keys()
    for name in fa:
        assert fa[name] == fb[name], name


def test_different_seeds_differ(tmp_path: Path) -> None:
    generate(tmp_path / "a", "tiny", 3)
    generate(tmp_path / "b", "tiny", 4)
    fa, fb = _files(tmp_path / "a"), _files(tmp_path / "b")
    common = fa.keys() & fb.keys()
    assert common
    assert all(
        fa[n] != fb[n] for n in common if n.startswith(("messages/", "payments/", "truth/persons"))
    )


def test_rerun_into_same_directory_replaces_it(tmp_path: Path) -> None:
    generate(tmp_path / "a", "tiny", 3)
    before = _files(tmp_path / "a")
    generate(tmp_path / "a", "tiny", 3)
    assert _files(tmp_path / "a") == before


def test_refuses_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("case notes")
    with pytest.raises(FileExistsError):
        generate(tmp_path, "tiny", 0)


def test_unknown_scale(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tiny"):
        generate(tmp_path / "x", "huge", 0)


def test_scales_and_summary(tmp_path: Path) -> None:
    assert SCALES == ("tiny", "small", "medium", "europol")
    summary = generate(tmp_path / "t", "tiny", 11)
    assert summary.seed == 11
    assert any("seed=11" in line for line in summary.lines())
    assert 2000 <= summary.rows["messages"] <= 6000
    assert set(summary.rows) == {"accounts", "messages", "payments", "logins", "locations"}


def test_small_has_the_documented_size(tmp_path: Path) -> None:
    # Its time is measured in bench/synth.py, never asserted here (machines are noisy).
    t0 = time.perf_counter()
    summary = generate(tmp_path / "s", "small", 1)
    print(f"small: {time.perf_counter() - t0:.2f} s, {summary.rows}")
    assert 50_000 <= summary.rows["messages"] <= 110_000
