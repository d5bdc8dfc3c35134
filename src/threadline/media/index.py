"""Exact Hamming-radius search over 256-bit hashes (PDQ, vPDQ frames).

Recall comes first: a missed match is a missed victim. Measured on this project's 2-core
machines against 1,000,000 random hashes (``bench/media.py``; docs/media.md has the figures):

* faiss ``IndexBinaryFlat`` is exact but scans every hash: 600-1,300 queries per second.
* faiss ``IndexBinaryHash`` is fast but missed 8-30 % of true matches; not usable.
* faiss ``IndexBinaryMultiHash`` is exact only when its tables and bit flips are chosen by the
  pigeonhole rule below; exact configurations ran at 700-3,000 queries/s after 4-15 s builds.
* This module's multi-index hashing (Norouzi et al.), vectorised in numpy: the 256 bits are
  cut into 16 chunks of 16 bits; two hashes within distance ``d`` agree to within
  ``d // 16`` bits on at least one chunk (pigeonhole), so probing every chunk's value and its
  ``d // 16``-bit neighbours finds *every* match, which is then verified exactly. Builds in
  under a second per million hashes.

Small sets (and radii of 48 and more, where probing explodes) use faiss's exact flat index.
faiss's range radius is exclusive: it is passed ``max_distance + 1``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import faiss
import numpy as np
import numpy.typing as npt

from threadline.media.pdq import HASH_BYTES, Hashes

CHUNKS = 16
CHUNK_VALUES = 1 << 16
FLAT_BELOW = 20_000  # below this many hashes a flat scan is as fast and simpler
MAX_PROBE_FLIPS = 2  # beyond this (radius >= 48) probing costs more than a flat scan
BATCH = 256

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Hits:
    """Pairs (query row, indexed row) within the radius, with their exact distances."""

    query: Ints
    target: Ints
    distance: Ints

    def __len__(self) -> int:
        return int(self.query.size)


def _empty() -> Hits:
    z = np.zeros(0, dtype=np.int64)
    return Hits(z, z.copy(), z.copy())


def _check(hashes: npt.NDArray[np.uint8]) -> Hashes:
    arr = np.ascontiguousarray(hashes, dtype=np.uint8)
    if arr.ndim != 2 or arr.shape[1] != HASH_BYTES:
        raise ValueError(f"expected an (n, {HASH_BYTES}) array of packed 256-bit hashes")
    return arr


class HammingIndex:
    """An exact radius index over packed 256-bit hashes."""

    def __init__(self, hashes: Hashes) -> None:
        self.hashes = _check(hashes)
        self.size = int(self.hashes.shape[0])
        self._flat: faiss.IndexBinaryFlat | None = None
        self._mih: _MultiIndex | None = None
        if self.size >= FLAT_BELOW:
            self._mih = _MultiIndex(self.hashes)

    def __len__(self) -> int:
        return self.size

    def search(self, queries: Hashes, max_distance: int) -> Hits:
        """Every (query, indexed hash) pair at Hamming distance <= ``max_distance``."""
        q = _check(queries)
        if self.size == 0 or q.shape[0] == 0:
            return _empty()
        if max_distance < 0:
            raise ValueError("max_distance must be >= 0")
        flips = max_distance // CHUNKS
        mih = self._mih
        if mih is None or flips > MAX_PROBE_FLIPS:
            return self._flat_search(q, max_distance)
        # Batches bound the candidate arrays' memory; threads measured no faster (memory-bound).
        batches = [q[i : i + BATCH] for i in range(0, q.shape[0], BATCH)]
        parts = [mih.search(b, max_distance) for b in batches]
        offsets = np.cumsum([0] + [len(b) for b in batches[:-1]])
        return Hits(
            np.concatenate([p.query + o for p, o in zip(parts, offsets, strict=True)]),
            np.concatenate([p.target for p in parts]),
            np.concatenate([p.distance for p in parts]),
        )

    def _flat_search(self, q: Hashes, max_distance: int) -> Hits:
        if self._flat is None:
            self._flat = faiss.IndexBinaryFlat(HASH_BYTES * 8)
            self._flat.add(self.hashes)
        lims, dist, ids = self._flat.range_search(q, max_distance + 1)  # radius is exclusive
        query = np.repeat(np.arange(q.shape[0], dtype=np.int64), np.diff(lims).astype(np.int64))
        order = np.lexsort((ids, query))
        return Hits(query[order], ids.astype(np.int64)[order], dist.astype(np.int64)[order])


def flip_masks(flips: int) -> npt.NDArray[np.uint16]:
    """Every 16-bit mask with at most ``flips`` bits set."""
    masks = [0]
    for k in range(1, flips + 1):
        masks += [sum(1 << b for b in bits) for bits in itertools.combinations(range(16), k)]
    return np.array(masks, dtype=np.uint16)


class _MultiIndex:
    """Sixteen 16-bit chunk tables over the hashes (multi-index hashing)."""

    def __init__(self, hashes: Hashes) -> None:
        n = hashes.shape[0]
        self.n = n
        keys = hashes.view(">u2").astype(np.uint16)  # (n, 16) chunk values
        self.order = np.empty(CHUNKS * n, dtype=np.int32)  # row ids sorted by each chunk
        self.starts = np.empty((CHUNKS, CHUNK_VALUES + 1), dtype=np.int64)
        for c in range(CHUNKS):
            column = keys[:, c]
            self.order[c * n : (c + 1) * n] = np.argsort(column, kind="stable")
            self.starts[c, 0] = c * n
            np.cumsum(np.bincount(column, minlength=CHUNK_VALUES), out=self.starts[c, 1:])
            self.starts[c, 1:] += c * n
        self.starts_flat = self.starts.ravel()
        words = hashes.view(np.uint64)
        self.words = [np.ascontiguousarray(words[:, k]) for k in range(4)]
        self.chunk_base = (np.arange(CHUNKS, dtype=np.int64) * (CHUNK_VALUES + 1))[None, :, None]

    def search(self, q: Hashes, max_distance: int) -> Hits:
        masks = flip_masks(max_distance // CHUNKS)
        probes = masks.size
        keys = q.view(">u2").astype(np.uint16)
        slot = self.chunk_base + (keys[:, :, None] ^ masks[None, None, :]).astype(np.int64)
        start = self.starts_flat[slot].ravel()
        length = self.starts_flat[slot + 1].ravel() - start
        total = int(length.sum())
        if total == 0:
            return _empty()
        probe = np.repeat(np.arange(length.size, dtype=np.int64), length)
        before = np.cumsum(length) - length
        cand = self.order[(start - before)[probe] + np.arange(total, dtype=np.int64)]
        query = probe // (CHUNKS * probes)
        qwords = q.view(np.uint64)
        # Two words first: a candidate further than the radius on 128 bits is out already.
        dist = np.bitwise_count(self.words[0][cand] ^ qwords[:, 0][query]).astype(np.int64)
        dist += np.bitwise_count(self.words[1][cand] ^ qwords[:, 1][query])
        keep = np.flatnonzero(dist <= max_distance)
        cand, query, dist = cand[keep], query[keep], dist[keep]
        dist += np.bitwise_count(self.words[2][cand] ^ qwords[:, 2][query])
        dist += np.bitwise_count(self.words[3][cand] ^ qwords[:, 3][query])
        keep = np.flatnonzero(dist <= max_distance)
        pair = query[keep] * self.n + cand[keep]
        pair, first = np.unique(pair, return_index=True)  # one hit per pair, sorted
        return Hits(pair // self.n, pair % self.n, dist[keep][first])
