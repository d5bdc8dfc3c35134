"""The ``media`` analysis stage: match the case's media against every hash list, group it.

Exact matches (sha256, md5, sha1) are joins in SQL. Perceptual matches go through the exact
Hamming index (:mod:`threadline.media.index`): PDQ at distance <= 31 with quality >= 50 by
default, each case file queried with its eight dihedral hashes so rotated and flipped copies
match; vPDQ videos match when >= 80 % of the video's distinct good frames are found in a
listed video (Meta's reference defaults). Results replace the stage's tables on every run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from threadline.media import sql as media_sql
from threadline.media.index import HammingIndex, Hits
from threadline.media.pdq import DIHEDRAL, queries, to_bytes
from threadline.media.series import near_duplicate_groups
from threadline.media.signals import (
    PDQ_MAX_DISTANCE,
    PDQ_MIN_QUALITY,
    VPDQ_INDEX_MATCH_PERCENT,
    VPDQ_QUERY_MATCH_PERCENT,
    VpdqSignal,
)
from threadline.store.engine import Engine


@dataclass(frozen=True)
class MatchSettings:
    """Thresholds of the media stage (recorded with every run in the audit log)."""

    max_distance: int = PDQ_MAX_DISTANCE  # PDQ match: Hamming distance <= this
    min_quality: int = PDQ_MIN_QUALITY  # case hashes below this quality are not matched
    dihedral: bool = True  # query rotations and flips too
    group_max_distance: int = PDQ_MAX_DISTANCE  # near-duplicate grouping inside the case
    vpdq_query_percent: float = VPDQ_QUERY_MATCH_PERCENT
    vpdq_index_percent: float = VPDQ_INDEX_MATCH_PERCENT

    def parameters(self) -> dict[str, Any]:
        """The thresholds as plain values for the audit log."""
        return asdict(self)


DEFAULT_SETTINGS = MatchSettings()


def run_media_stage(engine: Engine, settings: MatchSettings = DEFAULT_SETTINGS) -> dict[str, Any]:
    """Recompute matches, near-duplicate groups and links for the whole case."""
    media_sql.clear_results(engine)
    groups = near_duplicate_groups(
        media_sql.case_files(engine),
        settings.group_max_distance,
        settings.min_quality,
        settings.dihedral,
    )
    media_sql.insert_arrow(engine, "media_group_members", groups)
    media_sql.insert_exact_matches(engine)
    media_sql.insert_pdq_matches(engine, pdq_hits(engine, settings))
    media_sql.insert_vpdq_matches(engine, vpdq_hits(engine, settings))
    media_sql.fill_group_series(engine)
    media_sql.insert_links(engine)
    media_sql.insert_groups(engine)
    return media_sql.summary(engine)


def best_per_pair(owner: np.ndarray, hits: Hits, n_targets: int) -> np.ndarray:
    """Indices into ``hits`` keeping the smallest distance per (owner, target) pair."""
    key = owner[hits.query] * max(n_targets, 1) + hits.target
    order = np.lexsort((hits.distance, key))
    k = key[order]
    first = np.ones(k.size, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    return np.asarray(order[first])


def pdq_hits(engine: Engine, settings: MatchSettings) -> pa.Table:
    """Pairs (case PDQ hash, listed PDQ hash) within the distance, with the best transform."""
    case = media_sql.case_pdq(engine)
    listed = [str(h) for h in media_sql.list_pdq(engine).column("pdq").to_pylist()]
    hexes = case.column("pdq").to_pylist()
    quality = case.column("quality").to_pylist()
    dihedral = case.column("dihedral").to_pylist()
    keep = [i for i, q in enumerate(quality) if q is None or q >= settings.min_quality]
    empty = pa.table(
        {
            "case_pdq": pa.array([], pa.string()),
            "list_pdq": pa.array([], pa.string()),
            "distance": pa.array([], pa.int64()),
            "transform": pa.array([], pa.string()),
        }
    )
    if not keep or not listed:
        return empty
    qs = queries([hexes[i] for i in keep], [dihedral[i] for i in keep], settings.dihedral)
    hits = HammingIndex(to_bytes(listed)).search(qs.hashes, settings.max_distance)
    best = best_per_pair(qs.owner, hits, len(listed))
    owners = qs.owner[hits.query[best]]
    return pa.table(
        {
            "case_pdq": pa.array([hexes[keep[int(o)]] for o in owners], pa.string()),
            "list_pdq": pa.array([listed[int(t)] for t in hits.target[best]], pa.string()),
            "distance": pa.array(hits.distance[best], pa.int64()),
            "transform": pa.array(
                [DIHEDRAL[int(t)] for t in qs.transform[hits.query[best]]], pa.string()
            ),
        }
    )


def vpdq_hits(engine: Engine, settings: MatchSettings) -> pa.Table:
    """Case videos whose good frames are found in a listed video often enough."""
    videos = media_sql.case_videos(engine)
    listed = media_sql.list_videos(engine)
    rows: dict[str, list[Any]] = {"sha256": [], "list_vpdq": [], "distance": [], "similarity": []}
    table_types = {
        "sha256": pa.string(),
        "list_vpdq": pa.string(),
        "distance": pa.int64(),
        "similarity": pa.float64(),
    }
    if videos and listed:
        list_frames = [VpdqSignal.good_frames(v, settings.min_quality) for v in listed]
        owner = np.array([i for i, fs in enumerate(list_frames) for _ in fs], dtype=np.int64)
        index = HammingIndex(to_bytes([f for fs in list_frames for f in fs]))
        for sha256, serialised in videos:
            frames = VpdqSignal.good_frames(serialised, settings.min_quality)
            if not frames:
                continue
            hits = index.search(to_bytes(frames), settings.max_distance)
            for j in np.unique(owner[hits.target]):
                mine = owner[hits.target] == j
                q_pct = 100.0 * np.unique(hits.query[mine]).size / len(frames)
                t_pct = 100.0 * np.unique(hits.target[mine]).size / len(list_frames[int(j)])
                if q_pct >= settings.vpdq_query_percent and t_pct >= settings.vpdq_index_percent:
                    rows["sha256"].append(sha256)
                    rows["list_vpdq"].append(listed[int(j)])
                    rows["distance"].append(int(hits.distance[mine].min()))
                    rows["similarity"].append(round(q_pct, 2))
    return pa.table({k: pa.array(v, table_types[k]) for k, v in rows.items()})
