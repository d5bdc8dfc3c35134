"""Mapping files: the shipped examples, every rule, and errors that name file and key."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import write
from tests.ingest.formats.conftest import FORMATS_DATA, parse_all
from threadline.errors import MappingError, SourceError
from threadline.ingest.formats.mapping_spec import build, load_mapping

DOCS = Path(__file__).resolve().parents[3] / "docs" / "mappings"
DATA = FORMATS_DATA / "mapping"


def pesolink_workbook(path: Path) -> Path:
    """The XLSX export the pesolink example maps: title rows, date cells, a gap row."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Summary"
    data = book.create_sheet("Transfers")
    data.append(["PesoLink transfer report"])
    data.append(["Period: February 2022"])
    data.append([])
    data.append(["Reference", "Transfer Date", "Originator", "Originator Mobile",
                 "Originator Country", "Beneficiary", "Beneficiary Mobile", "Beneficiary City",
                 "Amount", "Currency", "Channel Code", "Remarks", "State"])  # fmt: skip
    data.append(["PL-0001", datetime(2022, 2, 5, 19, 5), "Tom Example", "+44 7700 900123",
                 "GB", "Ana Reyes", "0917 555 0199", "Angeles", 1250.5, "PHP", "PL",
                 "allowance", "COMPLETED"])  # fmt: skip
    data.append(["PL-0002", datetime(2022, 2, 6, 8, 0), "Tom Example", "+44 7700 900123",
                 "GB", "Ana Reyes", "0917 555 0199", "Angeles", 35, "PHP", "PLX",
                 "[REQUEST]", "COMPLETED"])  # fmt: skip
    data.append([])
    data.append(["PL-0003", datetime(2022, 2, 7, 9, 0), "Tom Example", "+44 7700 900123",
                 "GB", "Ben Cruz", "0917 555 0102", "Cebu", 10, "PHP", "PL", "gift",
                 "REVERSED"])  # fmt: skip
    data.append(["PL-0004", datetime(2022, 2, 8, 9, 0), "Sam Sample", "+44 7700 900456",
                 "GB", "Ana Reyes", "0917 555 0199", "Angeles", 20, "PHP", "ZZ", "fees",
                 "COMPLETED"])  # fmt: skip
    book.save(path)
    return path


def test_remittance_csv_example() -> None:
    got, bad = parse_all(
        DATA / "remitexpress_payouts.csv",
        "csv",
        mapping=DOCS / "remitexpress_payouts.yaml",
    )
    rows = [
        (p["_row"], p["provider"], p["transaction_id"], p["sent_at"], p["sender_name"],
         p["amount"], p["currency"])
        for p in got["payments"]
    ]  # fmt: skip
    assert rows == [
        (4, "remitexpress", "4471000001", "2022-02-05T19:05:00", "Tom Example", "1250.00", "PHP"),
        (5, "remitexpress", "4471000002", "2022-02-06T20:10:30", "Tom Example", "35.00", "USD"),
        # 31 February is not a date: passed on as written, refused by validation
        (7, "remitexpress", "4471000004", "31/02/2022 09:00", "Sam Sample", "20.00", "PHP"),
    ]
    assert got["payments"][0]["receiver_country"] == "Philippines"  # normalised at ingest
    assert sorted((r, d.split(" ")[0]) for r, d, _ in bad["payments"]) == [
        (6, "filtered:"),
        (8, "the"),
    ]
    assert any("CANCELLED" in original for _, _, original in bad["payments"])


def test_xlsx_example(tmp_path: Path) -> None:
    book = pesolink_workbook(tmp_path / "pesolink.xlsx")
    got, bad = parse_all(book, "auto", mapping=DOCS / "pesolink_transfers.yaml")
    rows = [(p["_row"], p["provider"], p["sent_at"], p["amount"]) for p in got["payments"]]
    assert rows == [
        (5, "pesolink", "2022-02-05T19:05:00", "1250.5"),
        (6, "pesolink-express", "2022-02-06T08:00:00", "35"),
        (9, None, "2022-02-08T09:00:00", "20"),  # unknown channel code: refused later
    ]
    assert [(r, "REVERSED" in d) for r, d, _ in bad["payments"]] == [(8, True)]
    assert got["payments"][0]["receiver_country"] == "PH"


def test_subscriber_records_example() -> None:
    got, bad = parse_all(
        DATA / "chatapp_subscribers.jsonl",
        "jsonl",
        mapping=DOCS / "chatapp_subscribers.yaml",
    )
    rows = [
        (a["_row"], a["account_id"], a["display_name"], a["created_at"]) for a in got["accounts"]
    ]
    assert rows == [
        (1, "u-1001", "Maria Santos", "2019-03-04T03:22:33+00:00"),
        (2, "u-1002", "Tom Example", "2020-01-02T18:00:00+00:00"),
        (6, "u-1003", "Lola", "yesterday"),
    ]
    assert sorted((r, d.split(":")[0]) for r, d, _ in bad["accounts"]) == [
        (3, "filtered"),
        (5, "the line is not JSON"),
    ]


def test_every_shipped_mapping_is_valid() -> None:
    found = sorted(DOCS.glob("*.yaml"))
    assert len(found) == 3
    kinds = sorted(load_mapping(p).kind for p in found)
    assert kinds == ["accounts", "payments", "payments"]


BASE: dict[str, Any] = {
    "kind": "messages",
    "fields": {
        "platform": {"constant": "chatapp"},
        "message_id": "id",
        "sent_at": {"column": "when", "format": "%d/%m/%Y %H:%M"},
        "sender": "from",
        "recipient": "to",
        "text": "body",
    },
}


def _with(path: str, value: Any) -> dict[str, Any]:
    doc = yaml.safe_load(yaml.safe_dump(BASE))
    *parents, last = path.split(".")
    node = doc
    for p in parents:
        node = node[p]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "key", "message"),
    [
        ("colour", "red", "colour", "unknown key"),
        ("kind", "chats", "kind", "must be one of"),
        ("fields.mood", "x", "fields.mood", "no field 'mood'"),
        ("fields.text", None, "fields", "unmapped"),
        ("fields.sender", {"column": "a", "concat": ["a", "b"]}, "fields.sender", "exactly one"),
        ("fields.text", {"column": "body", "format": "%Y"}, "fields.text.format", "timestamp"),
        ("fields.sent_at", {"column": "w", "format": "dd/mm"}, "fields.sent_at.format[0]", "%"),
        ("fields.text", {"column": "body", "unmapped": "drop"}, "fields.text.unmapped", "keep"),
        ("fields.text", {"column": "body", "map": ["a"]}, "fields.text.map", "mapping"),
        ("fields.text", {"column": ["a"]}, "fields.text.column", "text"),
        ("timezone", "Mars/Olympus", "timezone", "unknown IANA"),
        ("source", {"format": "xml"}, "source.format", "csv, jsonl, xlsx"),
        ("source", {"delimiter": ";;"}, "source.delimiter", "single character"),
        ("source", {"skip_rows": -1}, "source.skip_rows", "whole number"),
        ("filters", [{"column": "a"}], "filters[0]", "one of"),
        ("filters", [{"column": "a", "matches": "("}], "filters[0].matches", "pattern"),
        ("filters", [{"column": "a", "empty": "yes"}], "filters[0].empty", "true"),
        ("filters", {"column": "a"}, "filters", "list"),
        ("mapping", 2, "mapping", "version 1"),
    ],
)
def test_invalid_mappings_name_file_and_key(
    path: str, value: Any, key: str, message: str, tmp_path: Path
) -> None:
    file = write(tmp_path / "m.yaml", yaml.safe_dump(_with(path, value)))
    with pytest.raises(MappingError) as err:
        load_mapping(file)
    assert err.value.key == key
    assert message in err.value.reason
    assert str(file) in str(err.value)


def test_unreadable_yaml(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="not valid YAML"):
        load_mapping(write(tmp_path / "m.yaml", "kind: [unclosed\n"))
    with pytest.raises(MappingError, match="non-empty mapping"):
        build(tmp_path / "m.yaml", ["a list"])


def test_columns_missing_from_the_file_are_named(tmp_path: Path) -> None:
    mapping = write(tmp_path / "m.yaml", yaml.safe_dump(BASE))
    data = write(tmp_path / "d.csv", "id,when,from,body\n1,01/02/2020 10:00,a,hi\n")
    with pytest.raises(MappingError, match=r"column\(s\) \['to'\] not in the header of d.csv"):
        parse_all(data, "csv", mapping=mapping)


def test_rules_concat_replace_map_filters(tmp_path: Path) -> None:
    doc = {
        "kind": "payments",
        "fields": {
            "provider": {"column": "code", "map": {"RX": "remitx"}, "unmapped": "empty"},
            "transaction_id": "ref",
            "sent_at": {"column": "when", "format": ["%Y%m%d %H%M%S %z", "%d/%m/%Y"]},
            "sender_name": {"concat": ["first", "middle", "last"], "sep": " "},
            "receiver_name": {"concat": ["to_last", "to_first"], "sep": ", "},
            "amount": {"column": "amt", "replace": {".": "", ",": "."}},
            "currency": {"constant": "EUR"},
        },
        "filters": [
            {"column": "kind", "not_equals": "TEST"},
            {"column": "ref", "matches": "^R-[0-9]+$"},
        ],
    }
    mapping = write(tmp_path / "m.yaml", yaml.safe_dump(doc))
    data = write(
        tmp_path / "d.csv",
        "code,ref,when,first,middle,last,to_first,to_last,amt,kind\n"
        'RX,R-1,20220105 101500 +0100,Ana,,Reyes,Ben,Cruz,"1.234,50",LIVE\n'
        'ZZ,R-2,05/01/2022,  Ana ,Maria,Reyes,Ben,,"7,00",LIVE\n'
        "RX,R-3,05/01/2022,A,,B,C,D,1,TEST\n"
        "RX,X-4,05/01/2022,A,,B,C,D,1,LIVE\n",
    )
    got, bad = parse_all(data, "csv", mapping=mapping)
    rows = [
        (p["provider"], p["sent_at"], p["sender_name"], p["receiver_name"], p["amount"])
        for p in got["payments"]
    ]
    assert rows == [
        ("remitx", "2022-01-05T09:15:00+00:00", "Ana Reyes", "Cruz, Ben", "1234.50"),
        (None, "2022-01-05T00:00:00", "Ana Maria Reyes", "Ben", "7.00"),
    ]
    assert [(r, d.split(" by ")[1]) for r, d, _ in bad["payments"]] == [
        (4, "m.yaml filters[0] 'kind' not_equals TEST"),
        (5, "m.yaml filters[1] 'ref' matches ^R-[0-9]+$"),
    ]


def test_xlsx_sheet_must_exist(tmp_path: Path) -> None:
    book = pesolink_workbook(tmp_path / "p.xlsx")
    doc = yaml.safe_load((DOCS / "pesolink_transfers.yaml").read_text(encoding="utf-8"))
    doc["source"]["sheet"] = "Nope"
    mapping = write(tmp_path / "m.yaml", yaml.safe_dump(doc))
    with pytest.raises(MappingError, match="no sheet 'Nope'") as err:
        parse_all(book, "xlsx", mapping=mapping)
    assert err.value.key == "source.sheet"


def test_not_a_workbook(tmp_path: Path) -> None:
    data = write(tmp_path / "p.xlsx", b"PK\x03\x04 not really")
    with pytest.raises(SourceError, match="not readable as an XLSX workbook"):
        parse_all(data, "xlsx", mapping=DOCS / "pesolink_transfers.yaml")
