"""Near-duplicate groups of the case's own media (PDQ), for series and distribution.

Two files are linked when any of one's eight dihedral hashes is within the distance of the
other's hash (both of sufficient quality); groups are the connected components. Chains can
join files further apart than the threshold through intermediates, as near-duplicate chains
do in practice (A resized, then the resize cropped). Files without a usable PDQ hash (videos,
low quality, unreadable) are groups of one. Group ids derive from the smallest member sha256.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from threadline.media.index import HammingIndex
from threadline.media.pdq import queries, to_bytes

Ints = npt.NDArray[np.int64]


def group_id_of(sha256: str) -> str:
    """Content-derived id of the group whose smallest member has this sha256."""
    return "g" + hashlib.sha256(f"group:{sha256}".encode()).hexdigest()[:15]


def components(n: int, a: Ints, b: Ints) -> Ints:
    """Label of each node: the smallest node index in its connected component."""
    labels = np.arange(n, dtype=np.int64)
    if a.size == 0:
        return labels
    while True:
        low = np.minimum(labels[a], labels[b])
        new = labels.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        while True:  # pointer jumping: every node points at its root
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new


def near_duplicate_groups(
    files: pa.Table, max_distance: int, min_quality: int, use_dihedral: bool = True
) -> pa.Table:
    """``files`` (sha256 sorted; pdq, quality, dihedral) -> (group_id, sha256) per file."""
    sha = [str(s) for s in files.column("sha256").to_pylist()]
    pdq = files.column("pdq").to_pylist()
    quality = files.column("quality").to_pylist()
    dihedral = files.column("dihedral").to_pylist()
    usable = [
        i
        for i, (h, q) in enumerate(zip(pdq, quality, strict=True))
        if h is not None and (q is None or q >= min_quality)
    ]
    a = b = np.zeros(0, dtype=np.int64)
    if usable:
        index = HammingIndex(to_bytes([pdq[i] for i in usable]))
        qs = queries([pdq[i] for i in usable], [dihedral[i] for i in usable], use_dihedral)
        hits = index.search(qs.hashes, max_distance)
        src = np.array(usable, dtype=np.int64)
        a, b = src[qs.owner[hits.query]], src[hits.target]
        keep = a != b
        a, b = a[keep], b[keep]
    labels = components(len(sha), a, b)
    ids = [group_id_of(sha[int(root)]) for root in labels]
    return pa.table({"group_id": pa.array(ids, pa.string()), "sha256": pa.array(sha, pa.string())})
