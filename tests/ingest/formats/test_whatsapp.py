"""WhatsApp chat exports: every header style, system lines, attachments, owner, date order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write
from tests.ingest.formats.conftest import FORMATS_DATA, parse_all
from threadline.errors import SourceError

WA = FORMATS_DATA / "whatsapp"
STYLES = sorted(p.name for p in WA.glob("*.txt") if p.name.startswith(("android", "ios_")))
STYLES.remove("ios_one_to_one.txt")
BRING = "Bring the [REQUEST] list please."
# The same group chat in every style: (row, local time, sender's display name, text).
# ``None`` text: an attachment line, whose wording differs between Android and iOS.
MESSAGES = [
    (4, "2021-01-20T09:07:00", "Maria Santos", "Good morning! Are we still on for Saturday?"),
    (5, "2021-01-20T13:15:00", "+63 917 555 0101", "Yes, see you there.\n" + BRING),
    (7, "2021-01-20T13:16:00", "Jun", None),
    (8, "2021-01-21T18:40:00", "Maria Santos", "location: https://maps.google.com/?q=14.599512,120.984222"),
    (9, "2021-01-21T18:41:00", "Jun", None),
    (10, "2021-01-21T18:42:00", "Jun", "How much? [PRICE]"),
    (12, "2021-01-22T12:10:00", "Maria Santos", "Thanks: see you soon"),
]  # fmt: skip
EVENTS = [
    (1, "2021-01-20T09:05:00", "encryption_notice"),
    (2, "2021-01-20T09:05:00", "group_created"),
    (3, "2021-01-20T09:06:00", "member_added"),
    (11, "2021-01-22T00:30:00", "security_code_changed"),
]


def test_every_header_style_is_covered() -> None:
    assert len(STYLES) == 10


@pytest.mark.parametrize("name", STYLES)
def test_each_header_style_gives_the_same_chat(name: str) -> None:
    got, bad = parse_all(WA / name, "whatsapp")
    names = {a["account_id"]: a["display_name"] for a in got["accounts"]}
    messages = [
        (m["_row"], m["sent_at"], names[m["sender"]], None if m["attachment_name"] else m["text"])
        for m in got["messages"]
    ]
    assert messages == MESSAGES
    events = [(e["_row"], e["at"], e["event_type"]) for e in got["chat_events"]]
    assert events == EVENTS
    assert bad == {"messages": [], "chat_events": [], "accounts": [], "locations": []}
    (place,) = got["locations"]
    assert (place["lat"], place["lon"], place["_row"]) == ("14.599512", "120.984222", 8)


@pytest.mark.parametrize("name", STYLES)
def test_phone_number_names_are_accounts_and_attachments_are_named(name: str) -> None:
    got, _ = parse_all(WA / name, "whatsapp")
    senders = {m["sender"] for m in got["messages"]}
    assert "+639175550101" in senders  # "+63 917 555 0101" wrote a message
    phones = {a["account_id"]: a["phone"] for a in got["accounts"]}
    assert phones["+639175550101"] == "+639175550101"
    attached = [m["attachment_name"] for m in got["messages"] if m["attachment_name"]]
    assert attached[0] in ("<Media omitted>", "image omitted")
    assert attached[1] in ("IMG-20210121-WA0003.jpg", "00000008-PHOTO-2021-01-21-18-41-00.jpg")
    assert all(m["recipient"] == f"chat:{(WA / name).stem}" for m in got["messages"])


def test_system_lines_name_who_they_are_about() -> None:
    got, _ = parse_all(WA / "android_dmy_24h.txt", "whatsapp")
    actors = [e["actor"] for e in got["chat_events"]]
    conv = "android_dmy_24h"
    assert actors == [None, f"name:{conv}:Maria Santos", f"name:{conv}:Maria Santos",
                      f"name:{conv}:Jun"]  # fmt: skip


def test_owner_and_one_to_one_recipients() -> None:
    got, _ = parse_all(
        WA / "ios_one_to_one.txt",
        "whatsapp",
        owner="+63 917 555 0199",
        owner_name="Ana Reyes",
        day_first=True,
    )
    pairs = [(m["sender"], m["recipient"], m["_row"]) for m in got["messages"]]
    owner, other = "+639175550199", "+447700900123"
    assert pairs == [
        (owner, other, 1),
        (other, owner, 2),
        (owner, other, 3),
        (owner, other, 4),
        (other, owner, 6),
    ]
    ids = [m["message_id"] for m in got["messages"]]
    assert len(set(ids)) == len(ids)  # the repeated line keeps its own id
    assert all(m["conversation_id"] == f"{owner}/ios_one_to_one" for m in got["messages"])
    (deleted,) = got["chat_events"]
    assert deleted["_row"] == 5
    assert deleted["text"] == "This message was deleted."
    owner_account = next(a for a in got["accounts"] if a["account_id"] == owner)
    assert (owner_account["display_name"], owner_account["_row"]) == ("Ana Reyes", 0)


def test_message_ids_are_stable_across_parses() -> None:
    a, _ = parse_all(WA / "android_dmy_24h.txt", "whatsapp")
    b, _ = parse_all(WA / "android_dmy_24h.txt", "whatsapp")
    assert [m["message_id"] for m in a["messages"]] == [m["message_id"] for m in b["messages"]]


def test_ambiguous_day_month_order_needs_the_caller() -> None:
    path = WA / "ambiguous_dates.txt"
    with pytest.raises(SourceError, match="--day-first or --month-first") as err:
        parse_all(path, "whatsapp")
    assert err.value.path == path
    first, _ = parse_all(path, "whatsapp", day_first=True)
    assert [m["sent_at"][:10] for m in first["messages"]][2] == "2021-06-05"
    second, _ = parse_all(path, "whatsapp", day_first=False)
    assert [m["sent_at"][:10] for m in second["messages"]][2] == "2021-05-06"


def test_order_is_read_from_the_whole_file(tmp_path: Path) -> None:
    lines = [f"0{d}/02/21, 10:00 - Ana: hi {d}" for d in range(1, 10)]
    late = write(tmp_path / "late.txt", "\n".join([*lines, "13/02/21, 10:00 - Ana: last"]))
    got, _ = parse_all(late, "whatsapp")
    assert got["messages"][0]["sent_at"] == "2021-02-01T10:00:00"  # day-first, per line 10
    both = write(tmp_path / "both.txt", "13/02/21, 10:00 - Ana: a\n02/13/21, 10:00 - Ana: b\n")
    with pytest.raises(SourceError, match="line 1 but month-first on line 2"):
        parse_all(both, "whatsapp")
    # chronological order decides when no day is above 12
    swing = write(tmp_path / "swing.txt", "01/02/21, 10:00 - A: a\n02/01/21, 10:00 - A: b\n")
    got, _ = parse_all(swing, "whatsapp")
    assert [m["sent_at"] for m in got["messages"]] == ["2021-01-02T10:00:00", "2021-02-01T10:00:00"]


def test_text_before_the_first_header_and_crlf() -> None:
    got, bad = parse_all(WA / "preamble_crlf.txt", "whatsapp")
    assert bad["messages"] == [(1, "text before the first message header", "Chat export")]
    assert [m["text"] for m in got["messages"]] == ["first line\nsecond line", "ok"]
    assert got["messages"][0]["recipient"] == "name:preamble_crlf:Jun"


def test_undecodable_entry_is_rejected_not_dropped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "chat.txt",
        b"20/01/21, 10:00 - Ana: fine\n20/01/21, 10:01 - Ana: caf\xe9\nmore\n"
        b"20/01/21, 10:02 - Ana: fine again\n",
    )
    got, bad = parse_all(path, "whatsapp")
    assert [m["_row"] for m in got["messages"]] == [1, 4]
    ((row, detail, original),) = bad["messages"]
    assert (row, "ENCODING" in detail, original) == (2, True, "Ana: caf\ufffd\nmore")


@pytest.mark.parametrize(
    "content", [b"", b"hello there\nno headers here\n", b"\x89PNG\r\n\x1a\n\x00\x00", b"{}"]
)
def test_not_a_whatsapp_export(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "x.txt", content)
    with pytest.raises(SourceError, match="no WhatsApp message header") as err:
        parse_all(path, "whatsapp")
    assert (err.value.path, err.value.row) == (path, 1)


def test_reference_samples_match_their_expected_parse(shared_data: Path) -> None:
    folder = shared_data / "real-formats" / "whatsapp"
    target = json.loads((folder / "target.json").read_text(encoding="utf-8"))
    expected = sorted((t["timestamp"], t["author"], t["message"]) for t in target)
    files = sorted(folder.glob("*.txt"))
    assert len(files) == 5
    for path in files:
        got, bad = parse_all(path, "whatsapp")
        names = {a["account_id"]: a["display_name"] for a in got["accounts"]}
        # chat-miner joins the lines of a message with a space; we keep the newline
        parsed = sorted(
            (m["sent_at"], names[m["sender"]], m["text"].replace("\n", " "))
            for m in got["messages"]
        )
        assert parsed == expected, path.name
        # system lines (and chat-miner's "John Doe:." without a space) are events, not lost
        assert len(got["messages"]) + len(got["chat_events"]) == 9, path.name
        assert bad["messages"] == []
