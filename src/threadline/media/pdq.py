"""PDQ hashes of decoded pixels (Meta's C++ through ``pdqhash``) and their bit layouts.

Pixels are read as the reference hasher reads them: the stored pixel grid, first frame,
RGB luma; the EXIF orientation tag is not applied (Meta's C++ ``pdq-photo-hasher`` and
python-threatexchange both ignore it), so our hashes equal the hashes partners' tools put on
their lists. A file shown rotated by its tag still matches: the eight dihedral hashes
(rotations and flips) are computed in the same pass and used as queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image

# The order pdqhash.compute_dihedral returns its hashes in (Meta's reference order).
DIHEDRAL = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)
HASH_BYTES = 32

Hashes = npt.NDArray[np.uint8]  # (n, 32) packed bits, most significant bit first


@dataclass(frozen=True)
class PdqHash:
    """A PDQ hash with its quality and the hashes of its seven rotations and flips."""

    hash: str
    quality: int
    dihedral: tuple[str, ...]  # eight hashes in DIHEDRAL order; [0] is ``hash``


def bits_to_hex(bits: npt.NDArray[np.integer]) -> str:
    """The 64-digit hex form of a 256-bit vector (first bit is the most significant)."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_of_pixels(rgb: npt.NDArray[np.uint8]) -> PdqHash:
    """Hash an (height, width, 3) uint8 RGB array."""
    vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb))
    hexes = tuple(bits_to_hex(v) for v in vectors)
    return PdqHash(hexes[0], int(quality), hexes)


def pdq_of_image(image: Image.Image) -> PdqHash:
    """Hash a decoded Pillow image as the reference does (stored orientation, RGB luma)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return pdq_of_pixels(np.asarray(rgb, dtype=np.uint8))


def to_bytes(hexes: Sequence[str]) -> Hashes:
    """Pack hex hashes into an (n, 32) uint8 array for the index."""
    if not hexes:
        return np.zeros((0, HASH_BYTES), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(-1, HASH_BYTES)


def to_hex(packed: Hashes) -> list[str]:
    """The inverse of :func:`to_bytes`."""
    return [row.tobytes().hex() for row in np.asarray(packed, dtype=np.uint8)]


def hamming(a: str, b: str) -> int:
    """Hamming distance between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True)
class Queries:
    """Query hashes for a set of files: each file's hash, or all eight dihedral hashes."""

    hashes: Hashes
    owner: npt.NDArray[np.int64]  # row of the file each query belongs to
    transform: npt.NDArray[np.int64]  # index into DIHEDRAL


def queries(
    originals: Sequence[str], dihedrals: Sequence[str | None], use_dihedral: bool = True
) -> Queries:
    """Queries for files given their hash and (comma-joined) dihedral hashes, if known.

    Files hashed from their pixels here carry all eight hashes; hashes that arrived as
    canonical rows have only the original (no pixels, so no rotations can be derived).
    """
    hexes: list[str] = []
    owner: list[int] = []
    transform: list[int] = []
    for i, (h, d) in enumerate(zip(originals, dihedrals, strict=True)):
        variants = d.split(",") if (use_dihedral and d) else [h]
        hexes += variants
        owner += [i] * len(variants)
        transform += list(range(len(variants)))
    return Queries(
        to_bytes(hexes), np.array(owner, dtype=np.int64), np.array(transform, dtype=np.int64)
    )
