"""The synthetic media generator: deterministic, consistent with its truth, benign only."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from threadline.synth.media import MEDIA_SCALES, MediaTruth, read_truth, write_media


def test_truth_describes_every_written_file(media_world: MediaTruth) -> None:
    rows = read_truth(media_world.out)
    written = sorted(p for p in (media_world.out / "media").rglob("*") if p.is_file())
    assert len(rows) == len(written) == media_world.files
    for r in rows:
        data = (media_world.out / r["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["sha256"]
        assert media_world.folders[str(Path(r["path"]).parent)] == r["found_on"]
    kinds = {r["kind"] for r in rows}
    assert {"original", "derivative", "unrelated", "truncated", "not_media"} <= kinds
    assert {r["series"][0] for r in rows if r["series"]} == {"L", "U"}


def test_hash_lists_are_canonical_csv(media_world: MediaTruth) -> None:
    names = set()
    for rel in media_world.hashlists:
        with (media_world.out / rel).open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert rows
        assert {"md5", "sha1", "pdq", "series", "list_name"} <= set(rows[0])
        names |= {r["list_name"] for r in rows}
    assert len(names) == 2


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = write_media(tmp_path / "a", seed=9, scale="tiny")
    b = write_media(tmp_path / "b", seed=9, scale="tiny")
    assert (a.out / a.truth).read_bytes() == (b.out / b.truth).read_bytes()
    assert sorted(MEDIA_SCALES) == ["europol", "medium", "small", "tiny"]
