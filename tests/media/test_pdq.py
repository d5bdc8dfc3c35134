"""PDQ hashes: Meta's reference vectors, generated images and their edits, EXIF orientation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.media.conftest import jpeg
from threadline.media.pdq import DIHEDRAL, hamming, pdq_of_image, to_bytes, to_hex
from threadline.media.signals import PDQ_MAX_DISTANCE
from threadline.synth.media import draw_image, edit

REFERENCE_TOLERANCE = 16  # Meta's own ports are tested to this distance


def _decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _best(edited: Image.Image, original: str) -> int:
    """Distance of the edited image's closest dihedral hash to the original's hash."""
    return min(hamming(h, original) for h in pdq_of_image(edited).dihedral)


def test_reference_images_hash_within_tolerance(shared_data: Path) -> None:
    folder = shared_data / "pdq-reference" / "bridge-mods"
    with (folder / "expected.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 12
    for row in rows:
        with Image.open(folder / row["file"]) as im:
            got = pdq_of_image(im)
        distance = hamming(got.hash, row["pdq_hex"])
        print(f"{row['file']}: distance {distance}, quality {got.quality}/{row['quality']}")
        assert distance <= REFERENCE_TOLERANCE, row["file"]
        assert abs(got.quality - int(row["quality"])) <= 10


def test_reference_rotation_found_through_dihedral_hashes(shared_data: Path) -> None:
    path = shared_data / "pdq-reference" / "bridge-mods" / "aaa-orig.jpg"
    with Image.open(path) as im:
        original = pdq_of_image(im)
        rotated = pdq_of_image(im.transpose(Image.Transpose.ROTATE_90))
    assert hamming(rotated.hash, original.hash) > 100  # plain hashes do not survive rotation
    assert min(hamming(h, original.hash) for h in rotated.dihedral) <= REFERENCE_TOLERANCE


@pytest.mark.parametrize(
    "how", ["resize", "reencode", "resize_reencode", "crop", "rotate90", "rotate180", "flip"]
)
def test_edits_of_generated_images_match(how: str) -> None:
    rng = np.random.default_rng(21)
    print("seed 21")
    for _ in range(6):
        original = draw_image(rng, 512)
        reference = pdq_of_image(_decoded(jpeg(original))).hash
        edited, quality, exif = edit(original, how, rng)
        data = jpeg(edited, quality, **({"exif": exif} if exif else {}))
        assert _best(_decoded(data), reference) <= PDQ_MAX_DISTANCE, how


def test_unrelated_generated_images_do_not_match() -> None:
    rng = np.random.default_rng(22)
    print("seed 22")
    hashes = [pdq_of_image(draw_image(rng, 512)) for _ in range(25)]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1 :]:
            assert min(hamming(h, b.hash) for h in a.dihedral) > PDQ_MAX_DISTANCE


def test_heavy_crops_defeat_pdq(picture: Image.Image) -> None:
    """A known limit, documented in docs/media.md: a 10 % border crop is a new image to PDQ."""
    w, h = picture.size
    cropped = picture.crop((w // 10, h // 10, w - w // 10, h - h // 10))
    assert _best(cropped, pdq_of_image(picture).hash) > PDQ_MAX_DISTANCE


def test_exif_orientation_is_ignored_as_the_reference_does(picture: Image.Image) -> None:
    tags = Image.Exif()
    tags[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    tagged = _decoded(jpeg(picture, exif=tags.tobytes()))
    plain = _decoded(jpeg(picture))
    assert tagged.getexif().get(0x0112) == 6
    assert pdq_of_image(tagged).hash == pdq_of_image(plain).hash
    # The displayed (rotated) view still matches through the dihedral hashes.
    shown = plain.transpose(Image.Transpose.ROTATE_270)
    assert _best(shown, pdq_of_image(plain).hash) <= PDQ_MAX_DISTANCE


def test_dihedral_order_and_packing(picture: Image.Image) -> None:
    h = pdq_of_image(picture)
    assert len(h.dihedral) == len(DIHEDRAL) == 8
    assert h.dihedral[0] == h.hash
    assert to_hex(to_bytes(list(h.dihedral))) == list(h.dihedral)


def test_tiny_images_have_zero_quality() -> None:
    assert pdq_of_image(Image.new("RGB", (3, 3))).quality == 0
