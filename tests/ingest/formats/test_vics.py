"""Project VIC VICS JSON hash sets, data models 1.3 and 2.0."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.conftest import write
from tests.ingest.formats.conftest import FORMATS_DATA, parse_all
from threadline import Case
from threadline.errors import SourceError

VICS = FORMATS_DATA / "vics"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


def test_reference_sample_imports_with_its_fields(shared_data: Path) -> None:
    got, bad = parse_all(shared_data / "vics" / "example-VIC-data.json", "vics")
    first, second = got["hashlist"]
    assert first == {
        "md5": "ADEBF3FA3C9BE7F73825E1CB9E2DEA09",
        "sha1": None,
        "pdq": None,
        "category": "0",
        "series": None,
        "victim_identified": None,
        "list_name": "example-VIC-data.json",
        "media_id": "1",
        "size": "2835",
        "photodna": None,
        "updated_at": "2023-06-07T02:31:49.8300Z",
        "precategorized": "false",
        "exif": None,
        "_row": 1,
    }
    assert second["sha1"] == "1407C5674DC7DA55419C64C5375907991EC6011F"
    assert second["exif"] == (
        '[{"MD5": "192DB5CECD7AC2A2FD02F903A27A5FCD", "PropertyName": "Software", '
        '"PropertyValue": "Adobe Fireworks CS4"}]'
    )
    assert bad == {"hashlist": []}


def test_version_1_3_cases_hold_media() -> None:
    got, _ = parse_all(VICS / "vics_1_3.json", "vics", list_name="vic-2022-01")
    rows = got["hashlist"]
    assert [r["media_id"] for r in rows] == ["101", "102", "201", "202"]
    a = rows[0]
    assert (a["md5"], a["category"], a["series"], a["victim_identified"]) == (
        _md5("sample-a"),
        "1",
        "SERIES-A",
        "true",
    )
    assert a["photodna"] == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # opaque, as given
    assert a["pdq"] == "f" * 64
    assert a["list_name"] == "vic-2022-01"
    assert rows[1]["updated_at"] == "2020-05-01T10:00:00Z"


def test_version_2_0_media() -> None:
    got, _ = parse_all(VICS / "vics_2_0.json", "vics")
    rows = got["hashlist"]
    assert [(r["_row"], r["category"], r["precategorized"]) for r in rows] == [
        (1, "2", "true"),
        (2, "0", "false"),
        (3, "0", None),
    ]
    assert "Test Editor 1.0" in rows[0]["exif"]


@pytest.mark.parametrize("doc", ['{"items": []}', "[]", '{"value": 3}', '{"value": {}}'])
def test_not_a_hash_set(tmp_path: Path, doc: str) -> None:
    path = write(tmp_path / "x.json", doc)
    with pytest.raises(SourceError, match="not a VICS JSON hash set") as err:
        parse_all(path, "vics")
    assert err.value.path == path


def test_reference_sample_ingests_into_a_case(shared_data: Path, case: Case) -> None:
    path = shared_data / "vics" / "example-VIC-data.json"
    (report,) = case.ingest_export("vics", [path], agency="AG", seizure="EX-1")
    assert (report.stored, report.quarantined) == (2, 0)
    rows = case.engine.query_dicts("SELECT * FROM hashlist ORDER BY media_id")
    assert [(r["md5"], r["sha1"], r["size"], r["category"]) for r in rows] == [
        ("adebf3fa3c9be7f73825e1cb9e2dea09", None, 2835, "0"),
        ("192db5cecd7ac2a2fd02f903a27a5fcd", "1407c5674dc7da55419c64c5375907991ec6011f", 4190, "0"),
    ]
    assert str(rows[0]["updated_at"]) == "2023-06-07 02:31:49.830000"
    assert rows[0]["precategorized"] is False
    assert "Adobe Fireworks CS4" in rows[1]["exif"]
    assert {r["list_name"] for r in rows} == {"example-VIC-data.json"}
