"""Blurred greyscale thumbnails for the web UI's on-request view (analyst wellness).

Off by default: written only when ingest is given ``--thumbnails``. Each is a tiny,
heavily blurred greyscale rendering, enough to tell a document scan from a photograph
without showing a person; the file content itself is never copied anywhere.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageFilter

THUMBNAIL_EDGE = 64  # pixels on the longer side
BLUR_RADIUS = 3.0  # Gaussian radius in thumbnail pixels


def thumbnail_path(directory: Path, sha256: str) -> Path:
    """Where the thumbnail of the file with this digest lives."""
    return directory / sha256[:2] / f"{sha256}.png"


def write_thumbnail(image: Image.Image, directory: Path, sha256: str) -> Path:
    """Write a blurred greyscale thumbnail of ``image``; return its path."""
    small = image.convert("L")
    small.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE), Image.Resampling.BILINEAR)
    small = small.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    target = thumbnail_path(directory, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    small.save(target, format="PNG")
    return target
