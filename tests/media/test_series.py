"""Near-duplicate grouping: components agree with a union-find; edits group together."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from threadline.media.pdq import pdq_of_image
from threadline.media.series import components, group_id_of, near_duplicate_groups
from threadline.synth.media import draw_image, edit


def union_find(n: int, edges: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    return [root(i) for i in range(n)]


@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)))
        )
    )
)
def test_components_match_union_find(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = case
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    assert components(n, a, b).tolist() == union_find(n, edges)


def test_edits_group_together_and_apart_from_others() -> None:
    rng = np.random.default_rng(31)
    print("seed 31")
    rows: list[tuple[str, str, int, str]] = []
    truth: dict[str, int] = {}
    for origin in range(4):
        original = draw_image(rng, 512)
        for how in ("none", "resize", "rotate90", "reencode"):
            im, quality, _ = edit(original, how, rng) if how != "none" else (original, 90, None)
            buf = io.BytesIO()
            im.save(buf, format="JPEG", quality=quality)
            with Image.open(io.BytesIO(buf.getvalue())) as decoded:
                h = pdq_of_image(decoded)
            sha = f"{origin}{how}".ljust(64, "0")
            rows.append((sha, h.hash, h.quality, ",".join(h.dihedral)))
            truth[sha] = origin
    rows.append(("f" * 64, None, 0, None))  # no usable hash: a group of one
    rows.sort()
    files = pa.table(
        {
            "sha256": [r[0] for r in rows],
            "pdq": [r[1] for r in rows],
            "quality": pa.array([r[2] for r in rows], pa.int32()),
            "dihedral": [r[3] for r in rows],
        }
    )
    groups = near_duplicate_groups(files, 31, 50)
    by_sha = dict(
        zip(groups.column("sha256").to_pylist(), groups.column("group_id").to_pylist(), strict=True)
    )
    for origin in range(4):
        ids = {g for s, g in by_sha.items() if truth.get(s) == origin}
        assert len(ids) == 1
        first = min(s for s in truth if truth[s] == origin)
        assert ids == {group_id_of(first)}
    assert len(set(by_sha.values())) == 5
