"""The media commands, run as a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import run
from threadline.synth.media import MediaTruth


def test_ingest_folder_match_and_vics(tmp_path: Path, media_world: MediaTruth) -> None:
    case = str(tmp_path / "case")
    assert run("init", case).returncode == 0
    folder, holder = sorted(media_world.folders.items())[0]
    r = run(
        "ingest", case, "media", str(media_world.out / folder),
        "--agency", "NPA", "--seizure", "EX-1", "--found-on", holder,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "file(s) hashed" in r.stdout
    assert "media" in r.stdout
    for rel in media_world.hashlists:
        r = run(
            "ingest",
            case,
            "hashlist",
            str(media_world.out / rel),
            "--agency",
            "H",
            "--seizure",
            "L",
        )
        assert r.returncode == 0, r.stderr
    vics = tmp_path / "out.json"
    r = run("match-media", case, "--max-distance", "20", "--vics", str(vics))
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["matched_files"] > 0
    assert summary["vics_entries"] >= summary["matched_files"]
    assert json.loads(vics.read_text(encoding="utf-8"))["value"]
    r = run("ingest", case, "media", str(tmp_path / "absent"), "--agency", "A", "--seizure", "S")
    assert r.returncode == 5
    assert "no such file or folder" in r.stderr
