"""Hash seized media files: sha256, md5, sha1 for every file; PDQ for images; vPDQ for videos.

Runs on every core (one process per core), never crashes on a bad file: unreadable,
truncated or oversized ("decompression bomb") files are recorded with a status and a reason.
Only hashes and metadata leave the worker; pixels are decoded in memory and dropped, and
nothing about a file's content is logged or shown.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from threadline.media import video
from threadline.media.pdq import pdq_of_image
from threadline.media.thumbnails import write_thumbnail

CHUNK = 1 << 20
IN_PROCESS_BELOW = 32  # files; fewer are hashed in-process unless workers are asked for
# Pillow's own warning level; larger images are refused before decoding (bomb guard).
MAX_PIXELS = 89_478_485
EXIF_ORIENTATION = 0x0112

# Outcome of hashing one file.
HASHED = "hashed"  # digests plus PDQ (image) or vPDQ (video)
NOT_MEDIA = "not_media"  # digests only: neither an image nor a known video container
UNREADABLE = "unreadable"  # could not be read, or decoded, at all
TRUNCATED = "truncated"  # the image data ends early
TOO_LARGE = "too_large"  # more pixels than the bomb guard allows
VPDQ_UNAVAILABLE = "vpdq_unavailable"  # a video, but vPDQ is not installed here
LINK = "symlink"  # a symbolic link: recorded with its target, never followed or hashed
SPECIAL = "special"  # a FIFO, device or socket: listed, never opened
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class HashOptions:
    """How files are hashed."""

    max_pixels: int = MAX_PIXELS
    seconds_per_hash: float = video.SECONDS_PER_HASH
    thumbnails: Path | None = None  # directory for blurred thumbnails; None: none written


@dataclass(frozen=True)
class FileHashes:
    """Everything Threadline keeps about one seized file: hashes and metadata."""

    path: str
    status: str
    size: int | None = None
    sha256: str | None = None
    md5: str | None = None
    sha1: str | None = None
    media_type: str = "other"  # image / video / other
    reason: str | None = None
    pdq: str | None = None
    quality: int | None = None
    dihedral: tuple[str, ...] = field(default_factory=tuple)
    vpdq: str | None = None
    frames: int | None = None
    width: int | None = None
    height: int | None = None
    exif_orientation: int | None = None


def walk(inputs: Iterable[Path | str]) -> list[Path]:
    """Every entry under the given folders and files that is not a folder, sorted, each once.

    Symbolic links (to files or folders, inside the folder or out of it) and special files are
    returned as entries, never followed: :func:`hash_file` records them without reading them.
    """
    found: set[Path] = set()
    for item in inputs:
        p = Path(item)
        if p.is_dir() and not p.is_symlink():
            for root, dirs, files in os.walk(p):  # never descends into a linked folder
                dirs.sort()
                found.update(Path(root, d) for d in dirs if Path(root, d).is_symlink())
                found.update(Path(root, f) for f in files)
        elif p.is_symlink() or p.exists():
            found.add(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    return sorted(found, key=lambda x: str(_absolute(x)))


def _absolute(path: Path) -> Path:
    """The absolute path of an entry itself (a link's own path, not its target's)."""
    return Path(path).parent.resolve() / Path(path).name


def _not_regular(path: Path, name: str) -> FileHashes | None:
    """A link or special file as a record of what it is, or None for a regular file."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return FileHashes(name, UNREADABLE, reason=f"cannot read the file ({exc.strerror})")
    if stat.S_ISLNK(info.st_mode):
        try:
            target = str(Path(path).readlink())
        except OSError as exc:
            target = f"? ({exc.strerror})"
        return FileHashes(name, LINK, reason=f"symbolic link to {target}; not followed")
    for test, what in _SPECIAL_KINDS:
        if test(info.st_mode):
            return FileHashes(name, SPECIAL, reason=f"{what}; skipped, not read")
    if not stat.S_ISREG(info.st_mode):
        return FileHashes(name, SPECIAL, reason="not a regular file; skipped, not read")
    return None


def hash_file(path: Path, options: HashOptions | None = None) -> FileHashes:
    """Hash one file; every failure becomes a status and a reason, never an exception."""
    options = options or HashOptions()
    name = str(_absolute(path))
    other = _not_regular(path, name)
    if other is not None:
        return other
    try:
        size, sha256, md5, sha1 = _digests(path)
    except OSError as exc:
        return FileHashes(name, UNREADABLE, reason=f"cannot read the file ({exc.strerror})")
    base = FileHashes(name, HASHED, size, sha256, md5, sha1)
    image = _image_facts(path, base, options)
    if image is not None:
        return image
    if Path(path).suffix.lower() in video.VIDEO_SUFFIXES:
        return _video_facts(path, base, options)
    return replace(base, status=NOT_MEDIA, reason="not an image or a known video container")


def hash_files(
    paths: Sequence[Path],
    options: HashOptions | None = None,
    *,
    workers: int | None = None,
    on_progress: ProgressFn | None = None,
) -> list[FileHashes]:
    """Hash many files on ``workers`` processes (default: every core), in input order."""
    options = options or HashOptions()
    total = len(paths)
    if workers is None and total < IN_PROCESS_BELOW:
        workers = 1  # starting worker processes costs about a second
    workers = max(1, min(workers or os.cpu_count() or 1, total))
    results: list[FileHashes] = []
    if workers == 1:
        for p in paths:
            results.append(hash_file(p, options))
            if on_progress:
                on_progress(len(results), total)
        return results
    # spawn, not fork: the parent holds a database connection and its threads.
    ctx = multiprocessing.get_context("spawn")
    chunk = max(1, min(64, total // (workers * 8)))
    with ctx.Pool(workers) as pool:
        for r in pool.imap(_hash_one, [(p, options) for p in paths], chunksize=chunk):
            results.append(r)
            if on_progress:
                on_progress(len(results), total)
    return results


def _hash_one(args: tuple[Path, HashOptions]) -> FileHashes:
    return hash_file(*args)


def _digests(path: Path) -> tuple[int, str, str, str]:
    sha256, md5, sha1 = hashlib.sha256(), hashlib.md5(), hashlib.sha1()  # noqa: S324 - list formats
    size = 0
    # O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO after it was listed is
    # refused (ELOOP) or not waited on, and fstat proves what was opened is a regular file.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(0, "not a regular file any more")
    with os.fdopen(fd, "rb") as fh:
        while chunk := fh.read(CHUNK):
            size += len(chunk)
            sha256.update(chunk)
            md5.update(chunk)
            sha1.update(chunk)
    return size, sha256.hexdigest(), md5.hexdigest(), sha1.hexdigest()


def _image_facts(path: Path, base: FileHashes, options: HashOptions) -> FileHashes | None:
    """PDQ facts of an image file, or None when the file is not an image at all."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as im:
                facts = replace(base, media_type="image", width=im.width, height=im.height)
                if im.width * im.height > options.max_pixels:
                    return _too_large(facts, im.width * im.height, options)
                orientation = im.getexif().get(EXIF_ORIENTATION)
                facts = replace(facts, exif_orientation=orientation)
                im.seek(0)  # the first frame, as the reference hashes animations
                im.load()
                pdq = pdq_of_image(im)
                if options.thumbnails is not None and base.sha256:
                    write_thumbnail(im, options.thumbnails, base.sha256)
        except UnidentifiedImageError:
            return None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return _too_large(replace(base, media_type="image"), None, options)
        except (OSError, EOFError, SyntaxError, ValueError) as exc:
            text = str(exc)
            status = TRUNCATED if isinstance(exc, EOFError) or "truncated" in text else UNREADABLE
            what = "the image data ends early" if status == TRUNCATED else "cannot decode"
            return replace(
                base, media_type="image", status=status, reason=f"{what} ({type(exc).__name__})"
            )
    return replace(facts, pdq=pdq.hash, quality=pdq.quality, dihedral=pdq.dihedral)


def _too_large(facts: FileHashes, pixels: int | None, options: HashOptions) -> FileHashes:
    count = f"{pixels:,} pixels" if pixels else "too many pixels"
    return replace(
        facts,
        status=TOO_LARGE,
        reason=f"{count} exceeds the decompression-bomb guard of {options.max_pixels:,}",
    )


def _video_facts(path: Path, base: FileHashes, options: HashOptions) -> FileHashes:
    facts = replace(base, media_type="video")
    try:
        serialised, frames = video.vpdq_of_file(path, options.seconds_per_hash)
    except video.VpdqUnavailable as exc:
        return replace(facts, status=VPDQ_UNAVAILABLE, reason=str(exc))
    except ValueError as exc:
        return replace(facts, status=UNREADABLE, reason=str(exc))
    return replace(facts, vpdq=serialised, frames=frames)
