"""The exact Hamming index agrees with a brute-force scan, on both of its paths."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threadline.media import index as index_module
from threadline.media.index import HammingIndex, flip_masks


def brute_force(db: np.ndarray, q: np.ndarray, radius: int) -> set[tuple[int, int, int]]:
    dist = np.unpackbits(q[:, None, :] ^ db[None, :, :], axis=2).sum(axis=2)
    qi, ti = np.nonzero(dist <= radius)
    return {(int(a), int(b), int(dist[a, b])) for a, b in zip(qi, ti, strict=True)}


def near(rng: np.random.Generator, rows: np.ndarray, max_flips: int) -> np.ndarray:
    bits = np.unpackbits(rows, axis=1)
    for r in bits:
        r[rng.choice(256, int(rng.integers(0, max_flips + 1)), replace=False)] ^= 1
    return np.packbits(bits, axis=1)


def as_set(hits: index_module.Hits) -> set[tuple[int, int, int]]:
    return {
        (int(a), int(b), int(c))
        for a, b, c in zip(hits.query, hits.target, hits.distance, strict=True)
    }


@pytest.mark.parametrize("flat_below", [0, 10**9], ids=["multi-index", "faiss-flat"])
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 300),
    radius=st.sampled_from([0, 8, 15, 16, 31, 32, 40, 47, 60]),
)
def test_index_is_exact(
    flat_below: int, seed: int, n: int, radius: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "FLAT_BELOW", flat_below)
    rng = np.random.default_rng(seed)
    db = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    q = np.concatenate(
        [near(rng, db[rng.integers(0, n, 20)], radius + 4), rng.integers(0, 256, (5, 32))]
    ).astype(np.uint8)
    got = HammingIndex(db).search(q, radius)
    assert as_set(got) == brute_force(db, q, radius)
    assert len(as_set(got)) == len(got)  # one hit per pair


def test_flip_masks_cover_every_neighbour() -> None:
    assert flip_masks(0).tolist() == [0]
    assert len(flip_masks(1)) == 17
    assert len(set(flip_masks(2).tolist())) == 1 + 16 + 120


def test_empty_inputs() -> None:
    empty = np.zeros((0, 32), dtype=np.uint8)
    one = np.zeros((1, 32), dtype=np.uint8)
    assert len(HammingIndex(empty).search(one, 31)) == 0
    assert len(HammingIndex(one).search(empty, 31)) == 0
    with pytest.raises(ValueError, match="packed 256-bit"):
        HammingIndex(np.zeros((2, 8), dtype=np.uint8))
