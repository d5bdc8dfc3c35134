"""A package build's progress: every step reported in order, each ending at its total."""

from __future__ import annotations

import json
import shutil
from itertools import pairwise
from pathlib import Path

import pytest

from threadline import Case
from threadline.share import signing
from threadline.share.package import BUILD_STEPS, build_package
from threadline.share.progress import BuildProgress, Steps


@pytest.fixture(scope="module")
def reported(
    world_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[BuildProgress], Path, Path]:
    """(what a real GB build reported, its folder, the same build without a callback)."""
    tmp = tmp_path_factory.mktemp("progress")
    seen: list[BuildProgress] = []
    with Case.open(Path(shutil.copytree(world_path, tmp / "case"))) as case:
        folder = build_package(case, "GB", tmp / "with", progress=seen.append)
        plain = build_package(case, "GB", tmp / "without")
    return seen, folder, plain


def test_every_step_runs_in_order_from_zero_to_its_total(
    reported: tuple[list[BuildProgress], Path, Path],
) -> None:
    seen, _, _ = reported
    assert [p.step for p in seen if p.done == 0] == list(range(1, len(BUILD_STEPS) + 1))
    assert {(p.step, p.name, p.item) for p in seen} == {
        (i, name, item) for i, (name, item, _) in enumerate(BUILD_STEPS, start=1)
    }
    assert all(p.steps == len(BUILD_STEPS) and 0 <= p.done <= p.total for p in seen)
    for a, b in pairwise(seen):
        assert (a.step, a.done) <= (b.step, b.done), (a, b)
        assert a.fraction <= b.fraction, (a, b)
        if a.step == b.step:
            assert a.total == b.total, (a, b)
        else:
            assert a.done == a.total, f"step {a.step} left at {a.done} of {a.total}"
    last = seen[-1]
    assert (last.step, last.done, last.fraction) == (len(BUILD_STEPS), last.total, 1.0)


def test_the_totals_are_what_the_package_holds(
    reported: tuple[list[BuildProgress], Path, Path],
) -> None:
    seen, folder, _ = reported
    total = {p.name: p.total for p in seen}
    doc = json.loads((folder / "bundle" / "package.json").read_text())
    manifest = json.loads((folder / signing.MANIFEST).read_text())
    assert total["writing dossiers"] == len(doc["targets"]) > 0
    # one PDF section per dossier, beside the summary, the annex and the sources
    assert total["typesetting the PDF"] == len(doc["targets"]) + 2 + bool(doc["annex"])
    assert total["writing the bundle"] == len(list((folder / "bundle").iterdir()))
    assert total["signing the manifest"] == len(manifest["files"]) + 1
    dossiers = [p.done for p in seen if p.name == "writing dossiers"]
    assert dossiers == list(range(len(doc["targets"]) + 1))  # every dossier, one at a time


def test_without_a_callback_the_package_is_the_same(
    reported: tuple[list[BuildProgress], Path, Path],
) -> None:
    _, folder, plain = reported
    files = json.loads((folder / signing.MANIFEST).read_text())["files"]
    assert files.keys() == json.loads((plain / signing.MANIFEST).read_text())["files"].keys()
    for name in ("bundle/targets.csv", "bundle/reasons.csv", "bundle/sessions.csv"):
        assert (folder / name).read_bytes() == (plain / name).read_bytes(), name
    key = signing.load_public_key(folder / "signer-public-key.pem")
    assert signing.verify_folder(plain, key).ok


def test_the_message_names_the_step_and_the_item() -> None:
    p = BuildProgress(2, 6, "writing dossiers", "dossier", 37, 120)
    assert p.message() == "step 2 of 6: writing dossiers (dossier 37 of 120)"
    assert p.fraction == pytest.approx((1 + 37 / 120) / 6)
    assert BuildProgress(3, 6, "x", "file", 0, 0).fraction == pytest.approx(3 / 6)
    weighted = BuildProgress(2, 3, "typesetting", "section", 5, 10, start=0.25, share=0.5)
    assert weighted.fraction == pytest.approx(0.5)


def test_steps_must_run_in_the_declared_order() -> None:
    heard: list[BuildProgress] = []
    steps = Steps([("a", "x", 3.0), ("b", "y", 1.0)], heard.append)
    with pytest.raises(ValueError, match="out of order"):
        steps.next("b")
    steps.next("a")(1, 2)
    steps.next("b")(1, 4)
    assert heard == [
        BuildProgress(1, 2, "a", "x", 1, 2, 0.0, 0.75),
        BuildProgress(2, 2, "b", "y", 1, 4, 0.75, 0.25),
    ]
    assert [p.fraction for p in heard] == pytest.approx([0.375, 0.8125])
