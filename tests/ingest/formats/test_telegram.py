"""Telegram Desktop exports: single chat and account export, entities, service messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write
from tests.ingest.formats.conftest import FORMATS_DATA, parse_all
from threadline.errors import SourceError
from threadline.ingest.formats.telegram import account_of, message_text

TG = FORMATS_DATA / "telegram"


def test_single_chat() -> None:
    got, bad = parse_all(TG / "single_chat.json", "telegram")
    rows = [
        (m["_row"], m["message_id"], m["sent_at"], m["sender"], m["recipient"], m["text"])
        for m in got["messages"]
    ]
    assert rows == [
        (1, "222:10", "2021-01-20T09:05:00+00:00", "111", "222", "hello, are you there?"),
        (2, "222:11", "2021-01-20T09:06:30+00:00", "222", "chat:222", "yes, send first [PRICE]"),
        (4, "222:13", "2021-01-20T09:12:00+00:00", "222", "chat:222", "<photo>"),
        (5, "222:14", "2021-01-20T09:13:00+00:00", "111", "222", "<sticker>"),
        (6, "222:15", "2021-01-20T09:20:00+00:00", "222", "chat:222", "<location>"),
        (7, "222:16", "2021-01-20T09:21:00+00:00", "222", "chat:222", "multi\nline\ntext"),
    ]
    assert got["messages"][2]["attachment_name"] == "photos/photo_1@20-01-2021_17-12-00.jpg"
    assert {m["conversation_id"] for m in got["messages"]} == {"222"}
    (call,) = got["chat_events"]
    assert (call["_row"], call["event_type"], call["actor"], call["event_id"]) == (
        3,
        "phone_call",
        "111",
        "222:12",
    )
    assert call["text"] == 'phone_call {"discard_reason": "hangup", "duration_seconds": 95}'
    (place,) = got["locations"]
    assert (place["subject"], place["lat"], place["lon"], place["_row"]) == (
        "222",
        "14.599512",
        "120.984222",
        6,
    )
    names = {(a["account_id"], a["display_name"]) for a in got["accounts"]}
    assert names == {("111", "Maria Santos"), ("222", "Jun")}
    assert all(v == [] for v in bad.values())


def test_owner_makes_the_peer_side_addressed() -> None:
    got, _ = parse_all(TG / "single_chat.json", "telegram", owner="111")
    assert {m["recipient"] for m in got["messages"] if m["sender"] == "222"} == {"111"}


def test_account_export_with_contacts_groups_and_left_chats() -> None:
    got, _ = parse_all(TG / "result.json", "telegram")
    rows = [(m["_row"], m["message_id"], m["sender"], m["recipient"]) for m in got["messages"]]
    assert rows == [
        (1, "222:1", "111", "222"),
        (2, "222:2", "222", "111"),  # the owner comes from personal_information
        (4, "333:2", "444", "chat:333"),
        (5, "333:3", "222", "chat:333"),
        (6, "555:7", "channel555", "chat:555"),  # a chat the owner left
    ]
    assert got["messages"][3]["text"] == "https://example.org/plan"
    (created,) = got["chat_events"]
    assert (created["_row"], created["event_type"], created["conversation_id"]) == (
        3,
        "create_group",
        "333",
    )
    assert '"title": "Weekend plans"' in created["text"]
    accounts = {
        a["account_id"]: (a["display_name"], a["phone"], a["_row"]) for a in got["accounts"]
    }
    assert accounts["111"] == ("Maria Santos", "+63 917 555 0199", 0)
    assert accounts["222"][1:] == ("+63 917 555 0101", 0)
    assert accounts["+63 917 555 0102"] == ("Lola Cruz", "+63 917 555 0102", 0)
    assert accounts["444"] == ("Lola Cruz", None, 4)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        (["a ", {"type": "bold", "text": "b"}, {"type": "link"}, 3], "a b"),
        (None, ""),
        ({"odd": 1}, '{"odd": 1}'),
    ],
)
def test_message_text(value: object, text: str) -> None:
    assert message_text(value) == text


def test_from_ids() -> None:
    assert account_of("user123") == "123"
    assert account_of("channel55") == "channel55"
    assert account_of("username") == "username"
    assert account_of(None) is None


def test_old_exports_without_unixtime_keep_local_time(tmp_path: Path) -> None:
    doc = {"name": "x", "type": "personal_chat", "id": 9, "messages": [
        {"id": 1, "type": "message", "date": "2019-05-01T10:00:00", "from": "A",
         "from_id": "user1", "text": "hi"}]}  # fmt: skip
    got, _ = parse_all(write(tmp_path / "old.json", json.dumps(doc)), "telegram")
    assert got["messages"][0]["sent_at"] == "2019-05-01T10:00:00"  # needs --timezone


def test_odd_items_are_rejected_not_dropped(tmp_path: Path) -> None:
    doc = {"messages": [3, {"type": "message", "text": "no date, no author"}, "x"]}
    got, bad = parse_all(write(tmp_path / "odd.json", json.dumps(doc)), "telegram")
    assert [r[:2] for r in bad["messages"]] == [
        (1, "the message is not a JSON object"),
        (3, "the message is not a JSON object"),
    ]
    (kept,) = got["messages"]  # refused later by validation: missing sent_at and sender
    assert (kept["_row"], kept["sent_at"], kept["sender"]) == (2, None, None)


@pytest.mark.parametrize("cut", [10, 200, 900, -3])
def test_truncated_export_is_a_source_error_with_its_place(tmp_path: Path, cut: int) -> None:
    data = (TG / "single_chat.json").read_bytes()[:cut]
    path = write(tmp_path / "cut.json", data)
    with pytest.raises(SourceError) as err:
        parse_all(path, "telegram")
    assert err.value.path == path
    assert err.value.row is not None


@pytest.mark.parametrize("doc", ['{"hello": 1}', "[1, 2]", '"text"'])
def test_not_a_telegram_export(tmp_path: Path, doc: str) -> None:
    with pytest.raises(SourceError, match="not a Telegram Desktop export"):
        parse_all(write(tmp_path / "x.json", doc), "telegram")


def test_reference_samples_match_their_expected_parse(shared_data: Path) -> None:
    folder = shared_data / "real-formats" / "telegram"
    target = json.loads((folder / "target.json").read_text(encoding="utf-8"))
    for name in ("test_single_export.json", "test_batch_export.json"):
        got, _ = parse_all(folder / name, "telegram")
        names = {a["account_id"]: a["display_name"] for a in got["accounts"]}
        # The reference naive times are UTC. chat-miner puts a space between text entities;
        # Telegram's own text is their plain concatenation, so spaces are not compared.
        parsed = [
            (m["sent_at"].removesuffix("+00:00"), names[m["sender"]], m["text"].replace(" ", ""))
            for m in got["messages"]
        ]
        expected = [(t["timestamp"], t["author"], t["message"].replace(" ", "")) for t in target]
        assert parsed == expected, name


def test_messages_stream_in_batches() -> None:
    import pyarrow as pa

    from threadline.ingest.formats import ParseOptions, parse_file

    parsed = parse_file(TG / "result.json", "telegram", ParseOptions())
    assert parsed.stream is not None
    parsed.stream.batch_rows = 2  # type: ignore[attr-defined]
    records = parsed.sources[0].records
    assert isinstance(records, pa.RecordBatchReader)  # not a table held in memory
    sizes = [batch.num_rows for batch in records]
    assert sizes == [2, 2, 1]
