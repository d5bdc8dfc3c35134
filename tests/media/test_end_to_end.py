"""A real DuckDB case: ingest generated media folders and hash lists, run the stage, check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write
from threadline import Case
from threadline.media import vics_export
from threadline.media.ingest import MANIFEST_DIR
from threadline.pipeline import stages
from threadline.synth.media import MediaTruth, read_truth

CONTRACT = ("sha256", "path", "match", "distance", "list_name", "category", "series_id", "found_on")


def ingest_world(c: Case, world: MediaTruth, workers: int = 1) -> None:
    for folder, holder in sorted(world.folders.items()):
        c.ingest_media(
            [world.out / folder], agency="NPA", seizure="EX-1", found_on=holder, workers=workers
        )
    for rel in world.hashlists:
        c.ingest("hashlist", [world.out / rel], agency="Hotline", seizure="list-2024")


def precision_recall(c: Case, world: MediaTruth) -> tuple[float, float]:
    expected: dict[str, bool] = {}
    for r in read_truth(world.out):
        expected[r["sha256"]] = expected.get(r["sha256"], False) or r["expect_match"] == "true"
    got = {s for (s,) in c.engine.query("SELECT DISTINCT sha256 FROM media_matches")}
    tp = sum(1 for s in got if expected.get(s))
    return tp / max(len(got), 1), tp / max(sum(expected.values()), 1)


def test_media_stage_on_a_real_case(case: Case, media_world: MediaTruth, tmp_path: Path) -> None:
    assert "media" in [s.name for s in stages()]
    ingest_world(case, media_world, workers=2)
    summary = case.match_media()
    precision, recall = precision_recall(case, media_world)
    print(f"precision {precision:.3f} recall {recall:.3f} summary {summary}")
    assert precision == 1.0
    # Heavy crops (the documented PDQ gap) are the only listed derivatives allowed to be missed.
    missed = [
        r
        for r in read_truth(media_world.out)
        if r["expect_match"] == "true"
        and not case.engine.scalar(
            "SELECT count(*) FROM media_matches WHERE sha256 = ?", [r["sha256"]]
        )
    ]
    assert {r["edit"] for r in missed} <= {"crop_heavy"}
    assert recall >= 0.9
    kinds = {k for (k,) in case.engine.query('SELECT DISTINCT "match" FROM media_matches')}
    assert {"md5", "sha1", "pdq"} <= kinds
    # Unlisted series: each original with its near-duplicates is one priority-1 group.
    truth = read_truth(media_world.out)
    unlisted = {r["origin"] for r in truth if r["series"].startswith("U")}
    groups = case.engine.query_dicts("SELECT * FROM media_groups WHERE priority = 1")
    assert len(groups) == len(unlisted)
    assert all(g["status"] == "unlisted" and g["holders"] for g in groups)
    for origin in unlisted:
        shas = [r["sha256"] for r in truth if r["origin"] == origin and r["edit"] != "crop_heavy"]
        ids = case.engine.query(
            "SELECT DISTINCT group_id FROM media_group_members WHERE list_contains(?, sha256)",
            [shas],
        )
        assert len(ids) == 1
    # Listed groups carry their series from the list; every match names its group.
    listed = case.engine.query_dicts("SELECT * FROM media_groups WHERE status = 'listed'")
    assert listed
    assert all(g["series_ids"] and g["list_names"] for g in listed)
    assert case.engine.scalar("SELECT count(*) FROM media_matches WHERE group_id IS NULL") == 0

    # Export contract: media_matches.jsonl with the documented fields, and VICS JSON.
    manifest = case.export(tmp_path / "export")
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    assert files["media_matches.jsonl"]["rows"] == summary["match_rows"]
    first = json.loads((tmp_path / "export" / "media_matches.jsonl").read_text().splitlines()[0])
    assert set(CONTRACT) <= set(first)
    count = case.export_vics(tmp_path / "vics.json")
    doc = json.loads((tmp_path / "vics.json").read_text(encoding="utf-8"))
    assert doc["@odata.context"] == vics_export.ODATA_CONTEXT
    assert len(doc["value"]) == count
    new = [m for m in doc["value"] if m["Category"] == 0]
    assert new
    assert all(m["IsPrecategorized"] == "false" for m in new)
    assert all(len(m["MD5"]) == 32 for m in doc["value"])


def test_ingest_is_idempotent_with_provenance(case: Case, media_world: MediaTruth) -> None:
    folder, holder = sorted(media_world.folders.items())[0]
    first = case.ingest_media([media_world.out / folder], agency="A", seizure="S", found_on=holder)
    again = case.ingest_media([media_world.out / folder], agency="A", seizure="S", found_on=holder)
    assert first[0].stored > 0
    assert again[0].already_ingested
    (manifest,) = (case.path / MANIFEST_DIR).glob("*.csv")
    source = case.sources()[-1]
    assert source["format"] == "media-hashes"
    assert Path(source["path"]) == manifest.resolve()
    assert case.engine.scalar("SELECT count(*) FROM media_files") == first[0].rows_read
    rows = case.engine.scalar(
        "SELECT count(*) FROM media WHERE source_id = ?",
        [first[0].source_id],
    )
    assert rows == first[0].stored
    statuses = {s for (s,) in case.engine.query("SELECT DISTINCT status FROM media_files")}
    assert "hashed" in statuses
    # The manifest holds hashes and metadata only (no pixel data, no thumbnails by default).
    assert b"\xff\xd8" not in manifest.read_bytes()
    assert not (case.path / "media" / "thumbnails").exists()


def test_links_to_holders_and_message_attachments(case: Case, media_world: MediaTruth) -> None:
    ingest_world(case, media_world)
    truth = read_truth(media_world.out)
    sent = next(r for r in truth if r["series"].startswith("U") and r["kind"] == "derivative")
    write(
        case.path.parent / "messages.csv",
        "platform,message_id,sent_at,sender,recipient,text,attachment_sha256\n"
        f"chatapp,m1,2024-01-01T10:00:00Z,seller_02,buyer_9,[LIVE],{sent['sha256']}\n",
    )
    case.ingest("messages", [case.path.parent / "messages.csv"], agency="NPA", seizure="EX-2")
    case.analyze()  # the whole pipeline, media stage included
    links = case.engine.query_dicts("SELECT * FROM media_links WHERE sha256 = ?", [sent["sha256"]])
    vias = {(x["via"], x["holder"]) for x in links}
    assert ("sent", "chatapp:seller_02") in vias
    assert ("received", "chatapp:buyer_9") in vias
    assert ("found_on", sent["found_on"]) in vias
    group = links[0]["group_id"]
    holders = case.engine.scalar("SELECT holders FROM media_groups WHERE group_id = ?", [group])
    assert "chatapp:buyer_9" in holders
    assert all(x["group_id"] == group for x in links)


def test_canonical_media_rows_still_ingest(case: Case, tmp_path: Path) -> None:
    from tests.conftest import CANONICAL

    reports = case.ingest("media", [CANONICAL / "media.csv"], agency="A", seizure="S")
    assert reports[0].stored == 1
    assert reports[0].kind == "media"


@pytest.mark.parametrize("thumbnails", [False, True])
def test_thumbnails_only_on_request(case: Case, media_world: MediaTruth, thumbnails: bool) -> None:
    folder = sorted(media_world.folders)[0]
    case.ingest_media(
        [media_world.out / folder], agency="A", seizure="S", thumbnails=thumbnails, workers=1
    )
    made = list((case.path / "media" / "thumbnails").rglob("*.png"))
    assert bool(made) == thumbnails
    from PIL import Image

    for path in made:
        with Image.open(path) as im:
            assert im.mode == "L"
            assert max(im.size) <= 64


def test_stage_on_a_case_without_media(case: Case, tmp_path: Path) -> None:
    summary = case.match_media()
    assert summary["files"] == 0
    assert summary["match_rows"] == 0
    assert case.export_vics(tmp_path / "v.json") == 0
    details = [d for (d,) in case.engine.query("SELECT details FROM audit ORDER BY seq")]
    assert any('"stage": "media"' in d and '"max_distance": 31' in d for d in details)
