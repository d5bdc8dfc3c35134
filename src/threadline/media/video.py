"""vPDQ video hashes through Meta's ``vpdq`` bindings (the optional ``video`` extra).

``vpdq`` builds from source against ffmpeg's libraries (Debian: ffmpeg, libavcodec-dev,
libavformat-dev, libavutil-dev, libswscale-dev, libavdevice-dev, libavfilter-dev); the
Makefile installs them. Where it is missing, videos are still hashed exactly (sha256, md5,
sha1) and recorded with status ``vpdq_unavailable`` and the reason.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from threadline.errors import ThreadlineError
from threadline.media.signals import VpdqFrame, VpdqSignal

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".wmv", ".flv", ".3gp", ".mpg", ".mpeg"}
    | {".ts", ".mts", ".m2ts", ".vob", ".ogv"}
)
SECONDS_PER_HASH = 1.0  # Meta's default sampling: one frame hashed per second

INSTALL_HINT = (
    "vPDQ is not installed: install Debian's ffmpeg and libav*-dev packages, then "
    "`pip install 'threadline[video]'` (see docs/media.md)"
)


class VpdqUnavailable(ThreadlineError):
    """The ``vpdq`` package is not installed, so videos get no perceptual hash."""

    exit_code = 2


def _vpdq() -> Any:
    try:
        return importlib.import_module("vpdq")
    except ImportError:
        raise VpdqUnavailable(INSTALL_HINT) from None


def available() -> bool:
    """Whether videos can be vPDQ-hashed here."""
    try:
        _vpdq()
    except VpdqUnavailable:
        return False
    return True


def vpdq_of_file(path: Path, seconds_per_hash: float = SECONDS_PER_HASH) -> tuple[str, int]:
    """The serialised vPDQ hash of a video file and its number of hashed frames.

    Raises:
        VpdqUnavailable: the ``vpdq`` package is missing.
        ValueError: the file cannot be decoded as a video.
    """
    vpdq = _vpdq()
    try:
        features = vpdq.computeHash(str(path), seconds_per_hash=seconds_per_hash, thread_count=1)
    except Exception as exc:  # noqa: BLE001 - the binding raises bare Exception on bad input
        raise ValueError(f"not decodable as video ({type(exc).__name__})") from None
    frames = [VpdqFrame(f.hex, int(f.quality), float(f.timestamp)) for f in features]
    if not frames:
        raise ValueError("the video has no decodable frames")
    return VpdqSignal.serialise(frames), len(frames)
