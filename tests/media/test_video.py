"""vPDQ on generated videos (skipped where ffmpeg or the ``vpdq`` build is missing)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from threadline.media import video
from threadline.media.hashing import HASHED, hash_file
from threadline.media.signals import VpdqSignal
from threadline.synth.media import draw_image

needs_vpdq = pytest.mark.skipif(
    not (video.available() and shutil.which("ffmpeg")),
    reason="vpdq or ffmpeg not installed (make install builds them; see docs/media.md)",
)


def write_video(path: Path, seed: int, scale: float = 1.0, seconds: int = 4) -> Path:
    """Encode generated pictures (one scene per second, drifting) as an MPEG-4 file."""
    rng = np.random.default_rng(seed)
    w, h = int(320 * scale) // 2 * 2, int(240 * scale) // 2 * 2
    frames = []
    for _ in range(seconds):
        scene = draw_image(rng, 400).resize((340, 260))
        frames += [scene.crop((k, k, k + 320, k + 240)).resize((w, h)) for k in range(0, 10, 2)]
    cmd = [
        str(shutil.which("ffmpeg")), "-loglevel", "error", "-y", "-f", "rawvideo",
        "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", "5", "-i", "-",
        "-c:v", "mpeg4", "-q:v", "4", str(path),
    ]  # fmt: skip
    raw = b"".join(np.asarray(f.convert("RGB"), dtype=np.uint8).tobytes() for f in frames)
    subprocess.run(cmd, input=raw, check=True, timeout=60)
    return path


@needs_vpdq
def test_reencoded_video_matches_and_unrelated_does_not(tmp_path: Path) -> None:
    original = hash_file(write_video(tmp_path / "a.mp4", seed=1))
    smaller = hash_file(write_video(tmp_path / "b.mp4", seed=1, scale=0.6))
    other = hash_file(write_video(tmp_path / "c.mp4", seed=2))
    for r in (original, smaller, other):
        assert r.status == HASHED
        assert r.media_type == "video"
        assert r.vpdq
        assert r.frames
    assert original.vpdq
    assert smaller.vpdq
    assert other.vpdq
    assert VpdqSignal.compare(smaller.vpdq, original.vpdq).is_match()
    assert not VpdqSignal.compare(other.vpdq, original.vpdq).is_match()


@needs_vpdq
def test_undecodable_video_is_recorded(tmp_path: Path) -> None:
    clip = tmp_path / "broken.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(100))
    r = hash_file(clip)
    assert r.status == "unreadable"
    assert "video" in (r.reason or "")


def test_missing_vpdq_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def no_vpdq(name: str, package: str | None = None) -> object:
        if name == "vpdq":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", no_vpdq)
    with pytest.raises(video.VpdqUnavailable, match="libav"):
        video.vpdq_of_file(Path("x.mp4"))
    assert isinstance(Image.new("L", (1, 1)), Image.Image)


@needs_vpdq
def test_stage_matches_videos_against_a_vpdq_list(tmp_path: Path) -> None:
    import csv

    from threadline import Case

    listed = hash_file(write_video(tmp_path / "listed.mp4", seed=4))
    seized = tmp_path / "seized"
    seized.mkdir()
    write_video(seized / "copy.mp4", seed=4, scale=0.5)
    write_video(seized / "other.mp4", seed=6)
    with (tmp_path / "videos.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["vpdq", "category", "series", "list_name"])
        w.writerow([listed.vpdq, "1", "V-1", "video-list"])
    with Case.init(tmp_path / "case") as c:
        c.ingest_media([seized], agency="A", seizure="S", workers=1)
        c.ingest("hashlist", [tmp_path / "videos.csv"], agency="H", seizure="L")
        c.match_media()
        rows = c.engine.query_dicts("SELECT * FROM media_matches")
    assert [(Path(r["path"]).name, r["match"], r["series_id"]) for r in rows] == [
        ("copy.mp4", "vpdq", "V-1")
    ]
    assert rows[0]["similarity"] >= 80.0
