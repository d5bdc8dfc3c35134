"""File hashing: digests, PDQ, and every failure recorded with a reason, never raised."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from tests.media.conftest import jpeg
from threadline.media import hashing, video
from threadline.media.hashing import HashOptions, hash_file, hash_files, walk
from threadline.media.pdq import pdq_of_image


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size (a decompression bomb's header) with no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_image_gets_digests_and_pdq(tmp_path: Path, picture: Image.Image) -> None:
    data = jpeg(picture)
    path = tmp_path / "a.jpg"
    path.write_bytes(data)
    r = hash_file(path)
    assert r.status == hashing.HASHED
    assert r.media_type == "image"
    assert r.sha256 == hashlib.sha256(data).hexdigest()
    assert r.md5 == hashlib.md5(data).hexdigest()  # noqa: S324
    assert r.sha1 == hashlib.sha1(data).hexdigest()  # noqa: S324
    assert r.size == len(data)
    assert (r.width, r.height) == picture.size
    with Image.open(path) as im:
        assert r.pdq == pdq_of_image(im).hash
    assert r.quality is not None
    assert r.quality >= 50
    assert len(r.dihedral) == 8


def test_truncated_unreadable_and_other_files_are_recorded(
    tmp_path: Path, picture: Image.Image
) -> None:
    data = jpeg(picture)
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    (tmp_path / "notes.txt").write_text("a list of errands\n", encoding="utf-8")
    (tmp_path / "fake.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    results = {Path(r.path).name: r for r in hash_files(walk([tmp_path]), workers=1)}
    assert results["cut.jpg"].status == hashing.TRUNCATED
    assert "ends early" in (results["cut.jpg"].reason or "")
    assert results["notes.txt"].status == hashing.NOT_MEDIA
    assert results["fake.png"].status in (hashing.UNREADABLE, hashing.NOT_MEDIA)
    assert all(r.sha256 for r in results.values())  # digests even for damaged files
    missing = hash_file(tmp_path / "gone.jpg")
    assert missing.status == hashing.UNREADABLE
    assert missing.sha256 is None


def test_decompression_bombs_are_refused_before_decoding(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(30_000, 30_000))
    r = hash_file(bomb)
    assert r.status == hashing.TOO_LARGE
    assert "bomb" in (r.reason or "")
    small = tmp_path / "small.png"
    Image.new("RGB", (100, 100), (9, 9, 9)).save(small)
    r = hash_file(small, HashOptions(max_pixels=5_000))
    assert r.status == hashing.TOO_LARGE
    assert "10,000 pixels" in (r.reason or "")


def test_videos_without_vpdq_say_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise video.VpdqUnavailable(video.INSTALL_HINT)

    monkeypatch.setattr(video, "_vpdq", missing)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    r = hash_file(clip)
    assert r.status == hashing.VPDQ_UNAVAILABLE
    assert r.media_type == "video"
    assert "threadline[video]" in (r.reason or "")
    assert r.sha256
    assert not video.available()


def test_all_cores_give_the_same_results_as_one(tmp_path: Path, picture: Image.Image) -> None:
    for i, angle in enumerate((0, 90, 180)):
        (tmp_path / f"{i}.jpg").write_bytes(jpeg(picture.rotate(angle, expand=True)))
    (tmp_path / "x.txt").write_text("x", encoding="utf-8")
    paths = walk([tmp_path])
    seen: list[tuple[int, int]] = []
    parallel = hash_files(paths, workers=2, on_progress=lambda d, t: seen.append((d, t)))
    assert parallel == hash_files(paths, workers=1)
    assert seen[-1] == (4, 4)


def test_walk_finds_each_file_once_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/2.jpg", "1.jpg", "b/1.jpg"):
        (tmp_path / name).write_bytes(b"x")
    found = walk([tmp_path, tmp_path / "1.jpg"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["1.jpg", "b/1.jpg", "b/2.jpg"]
    with pytest.raises(FileNotFoundError):
        walk([tmp_path / "nope"])
