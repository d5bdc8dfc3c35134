"""Synthetic seized media: benign generated images, their edits, hash lists and the truth.

Every image is drawn here from shapes and noise; nothing is fetched, nothing depicts anyone.
A *series* stands for a set of photographs of one (fictional) subject: several distinct
originals, each also present as edited near-duplicates (resize, re-encode, crop, rotate,
flip). Listed series have their originals' hashes on the hash lists; unlisted series are
on no list (what an unidentified victim's material looks like to Threadline).

``write_media(out, seed=..., scale=...)`` writes::

    out/media/<folder>/...        the seized files, one folder per holder (device/account)
    out/hashlists/<list>.csv      canonical ``hashlist`` CSVs (md5, sha1, pdq, series...)
    out/truth/media_truth.csv     one row per written file: origin, series, edit, expectation

and returns a :class:`MediaTruth` naming each folder's ``found_on`` value.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from threadline.media.pdq import pdq_of_image


@dataclass(frozen=True)
class MediaScale:
    """How much synthetic media a scale holds."""

    name: str
    listed_series: int
    unlisted_series: int
    originals_per_series: int
    edits_per_original: int
    unrelated: int  # unrelated images (holiday-photo stand-ins), on no list
    decoys: int  # list entries for material not in the case
    edge: int  # longer side of a generated image, in pixels


MEDIA_SCALES: dict[str, MediaScale] = {
    s.name: s
    for s in (
        # PDQ's dihedral hashes are near-exact on images of 500 px and more; at a few hundred
        # pixels the downsampling filter's asymmetry costs rotations 20-40 bits.
        MediaScale("tiny", 3, 2, 2, 3, 6, 20, 512),
        MediaScale("small", 8, 4, 3, 4, 40, 300, 512),
        MediaScale("medium", 40, 20, 4, 4, 400, 3000, 512),
        # About 20,000 files, the media volume of the Europol-scale operation.
        MediaScale("europol", 400, 200, 5, 5, 2000, 50000, 512),
    )
}
LISTS = ("national-list", "partner-list")
# Edits of a seized near-duplicate, with their shares; ``crop_heavy`` is the known PDQ gap.
EDITS = {
    "resize": 0.2,
    "reencode": 0.15,
    "resize_reencode": 0.2,
    "crop": 0.1,
    "rotate90": 0.08,
    "rotate180": 0.07,
    "flip": 0.07,
    "exif_rotate": 0.08,
    "crop_heavy": 0.05,
}
TRUTH_FIELDS = (
    "path",
    "sha256",
    "kind",
    "origin",
    "series",
    "listed",
    "edit",
    "expect_match",
    "found_on",
)


@dataclass
class MediaTruth:
    """What :func:`write_media` wrote."""

    out: Path
    seed: int
    scale: str
    folders: dict[str, str] = field(default_factory=dict)  # folder (relative) -> found_on
    hashlists: list[str] = field(default_factory=list)  # relative paths of the list CSVs
    truth: str = "truth/media_truth.csv"
    files: int = 0
    listed_files: int = 0
    unlisted_series: int = 0


def draw_image(rng: np.random.Generator, edge: int) -> Image.Image:
    """A photograph stand-in: smooth colour fields, a few large shapes, mild noise (RGB).

    Smooth, large-scale structure like a photograph's keeps PDQ stable under edits; busy
    small-scale patterns would not (PDQ hashes the 64x64 downsample's lowest frequencies).
    """
    h, w = edge, int(edge * rng.uniform(0.7, 1.0))
    if rng.random() < 0.5:
        h, w = w, h
    grid = rng.integers(0, 256, (6, 6, 3)).astype(np.uint8)
    image = Image.fromarray(grid, "RGB").resize((w, h), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 6))):
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(edge // 10, edge // 4))
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
        else:
            draw.rectangle((cx - r, cy - r // 2, cx + r, cy + r // 2), fill=fill)
    image = image.filter(ImageFilter.GaussianBlur(edge / 100))
    noisy = np.asarray(image, dtype=np.int16) + rng.integers(-4, 5, (h, w, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def flat_image(rng: np.random.Generator, edge: int) -> Image.Image:
    """A nearly uniform image: its PDQ quality is low (no usable hash)."""
    level = rng.integers(20, 235, 3)
    noise = rng.integers(-1, 2, (edge, edge, 3))
    return Image.fromarray(np.clip(level + noise, 0, 255).astype(np.uint8), "RGB")


def edit(
    image: Image.Image, how: str, rng: np.random.Generator
) -> tuple[Image.Image, int, bytes | None]:
    """An edited copy, the JPEG quality to save it with, and EXIF bytes to attach (if any)."""
    quality = int(rng.integers(80, 95))
    exif = None
    w, h = image.size
    if how in ("resize", "resize_reencode"):
        f = float(rng.uniform(0.4, 0.8))
        image = image.resize((max(8, int(w * f)), max(8, int(h * f))), Image.Resampling.BILINEAR)
    if how in ("reencode", "resize_reencode"):
        quality = int(rng.integers(35, 70))
    if how in ("crop", "crop_heavy"):  # a border trim: 1 % survives PDQ, 10 % defeats it
        f = 0.01 if how == "crop" else 0.10
        dx, dy = int(w * f), int(h * f)
        image = image.crop((dx, dy, w - dx, h - dy))
    if how == "rotate90":
        image = image.transpose(Image.Transpose.ROTATE_90)
    if how == "rotate180":
        image = image.transpose(Image.Transpose.ROTATE_180)
    if how == "flip":
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if how == "exif_rotate":  # same pixels, shown rotated by the EXIF orientation tag
        tags = Image.Exif()
        tags[0x0112] = 6
        exif = tags.tobytes()
    return image, quality, exif


def _encode(image: Image.Image, fmt: str, quality: int = 90, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    if fmt == "PNG":
        image.save(buf, format="PNG")
    elif exif:
        image.save(buf, format="JPEG", quality=quality, exif=exif)
    else:
        image.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def _digests(data: bytes) -> tuple[str, str, str]:
    return (
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data).hexdigest(),  # noqa: S324 - hash-list formats use md5
        hashlib.sha1(data).hexdigest(),  # noqa: S324 - and sha1
    )


def _pdq_of_bytes(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return pdq_of_image(im).hash


def write_media(
    out: Path | str,
    *,
    seed: int = 0,
    scale: str = "small",
    holders: Sequence[str] = (),
) -> MediaTruth:
    """Write generated media, two hash lists and the media truth under ``out``.

    Args:
        out: output folder (created; ``media/``, ``hashlists/`` and ``truth/`` inside).
        seed: random seed; the same seed and scale write byte-identical files.
        scale: one of :data:`MEDIA_SCALES` (``tiny``, ``small``, ``medium``, ``europol``).
        holders: ``found_on`` values (``platform:account`` or device ids) to spread the
            files over, e.g. the synthetic sellers' accounts; default: eight devices.

    Returns:
        What was written, with each media folder's ``found_on`` value.
    """
    sc = MEDIA_SCALES[scale]
    out = Path(out)
    rng = np.random.default_rng([seed, 0x6D656469])
    holders = list(holders) or [f"device-{i:02d}" for i in range(8)]
    folders = {h: f"media/h{i:03d}" for i, h in enumerate(holders)}
    for rel in folders.values():
        (out / rel).mkdir(parents=True, exist_ok=True)
    truth_rows: list[dict[str, object]] = []
    list_rows: dict[str, list[dict[str, object]]] = {name: [] for name in LISTS}
    counter = iter(range(10**9))

    def put(data: bytes, holder: str, suffix: str, **row: object) -> str:
        rel = f"{folders[holder]}/IMG_{next(counter):06d}{suffix}"
        (out / rel).write_bytes(data)
        sha256 = hashlib.sha256(data).hexdigest()
        truth_rows.append({"path": rel, "sha256": sha256, "found_on": holder, **row})
        return sha256

    n_series = sc.listed_series + sc.unlisted_series
    for s in range(n_series):
        listed = s < sc.listed_series
        series = f"{'L' if listed else 'U'}{s:04d}"
        series_holders = rng.choice(len(holders), size=min(3, len(holders)), replace=False)
        lists = [LISTS[0]] if s % 3 else list(LISTS)  # a third of the series on both lists
        for o in range(sc.originals_per_series):
            origin = f"{series}-{o:02d}"
            original = draw_image(rng, sc.edge)
            fmt = "PNG" if rng.random() < 0.3 else "JPEG"
            data = _encode(original, fmt)
            if listed:
                _, md5, sha1 = _digests(data)
                for name in lists:
                    list_rows[name].append(
                        {
                            "md5": md5,
                            "sha1": sha1,
                            "pdq": _pdq_of_bytes(data),
                            "category": "1",
                            "series": series,
                            "victim_identified": "true" if s % 2 else "false",
                            "list_name": name,
                        }
                    )
            base = {"origin": origin, "series": series, "listed": listed}
            if rng.random() < 0.7:  # the exact original was seized too
                holder = holders[int(rng.choice(series_holders))]
                suffix = ".png" if fmt == "PNG" else ".jpg"
                put(data, holder, suffix, kind="original", edit="none", expect_match=listed, **base)
            for _ in range(sc.edits_per_original):
                how = str(rng.choice(list(EDITS), p=list(EDITS.values())))
                edited, quality, exif = edit(original, how, rng)
                holder = holders[int(rng.choice(series_holders))]
                put(
                    _encode(edited, "JPEG", quality, exif),
                    holder,
                    ".jpg",
                    kind="derivative",
                    edit=how,
                    expect_match=listed,
                    **base,
                )
    none = {"series": "", "listed": False, "edit": "none", "expect_match": False}
    for u in range(sc.unrelated):
        holder = holders[int(rng.integers(0, len(holders)))]
        image = flat_image(rng, 64) if u % 10 == 9 else draw_image(rng, sc.edge)
        kind = "low_quality" if u % 10 == 9 else "unrelated"
        put(_encode(image, "JPEG"), holder, ".jpg", kind=kind, origin=f"X{u:05d}", **none)
    # Damaged and non-media files a seizure always holds (recorded, never crash a run).
    damaged = _encode(draw_image(rng, sc.edge), "JPEG")
    put(damaged[: len(damaged) // 2], holders[0], ".jpg", kind="truncated", origin="", **none)
    note = b"shopping list: rice, eggs, load card\n"
    put(note, holders[-1], ".txt", kind="not_media", origin="", **none)
    for d in range(sc.decoys):  # listed material that is not in this case
        data = _encode(draw_image(rng, 48), "JPEG")
        _, md5, sha1 = _digests(data)
        name = LISTS[d % len(LISTS)]
        list_rows[name].append(
            {
                "md5": md5,
                "sha1": sha1,
                "pdq": _pdq_of_bytes(data),
                "category": str(1 + d % 3),
                "series": f"D{d % 50:04d}",
                "victim_identified": "true",
                "list_name": name,
            }
        )
    truth = MediaTruth(out, seed, scale, {v: k for k, v in folders.items()})
    (out / "hashlists").mkdir(parents=True, exist_ok=True)
    for name, rows in list_rows.items():
        rel = f"hashlists/{name}.csv"
        _write_csv(out / rel, ("md5", "sha1", "pdq", *_LIST_EXTRA), rows)
        truth.hashlists.append(rel)
    _write_csv(out / truth.truth, TRUTH_FIELDS, truth_rows)
    truth.files = len(truth_rows)
    truth.listed_files = sum(1 for r in truth_rows if r["expect_match"])
    truth.unlisted_series = sc.unlisted_series
    return truth


_LIST_EXTRA = ("category", "series", "victim_identified", "list_name")


def _write_csv(path: Path, fields: Sequence[str], rows: Sequence[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: _text(r.get(k)) for k in fields})


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def read_truth(out: Path | str) -> list[dict[str, str]]:
    """The rows of ``truth/media_truth.csv`` under ``out``."""
    with (Path(out) / "truth" / "media_truth.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
