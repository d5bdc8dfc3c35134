"""DiscordChatExporter JSON: messages, system messages as events, attachments, offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write
from tests.ingest.formats.conftest import FORMATS_DATA, parse_all
from threadline.errors import SourceError

SAMPLE = FORMATS_DATA / "discord" / "guild_channel.json"


def test_guild_channel_export() -> None:
    got, bad = parse_all(SAMPLE, "discord")
    rows = [
        (m["_row"], m["message_id"], m["sent_at"], m["sender"], m["text"], m["attachment_name"])
        for m in got["messages"]
    ]
    assert rows == [
        (2, "900000000000001002", "2022-04-30T10:05:12.345+08:00", "800000000000000001",
         "welcome! how are you?", None),
        (3, "900000000000001003", "2022-04-30T10:06:00.000+08:00", "800000000000000002",
         "<attachment: holiday.jpg>", "holiday.jpg"),
        (5, "900000000000001005", "2022-04-30T10:09:00.000+08:00", "800000000000000001",
         "price list: [PRICE]\nsee you at 6", None),
    ]  # fmt: skip
    assert {(m["conversation_id"], m["recipient"]) for m in got["messages"]} == {
        ("900000000000000100", "chat:900000000000000100")
    }
    events = [(e["_row"], e["event_type"], e["actor"], e["text"]) for e in got["chat_events"]]
    assert events == [
        (1, "GuildMemberJoin", "800000000000000002", "GuildMemberJoin"),
        (4, "ChannelPinnedMessage", "800000000000000001", "Pinned a message."),
    ]
    names = {(a["account_id"], a["display_name"]) for a in got["accounts"]}
    assert names == {("800000000000000001", "Maria"), ("800000000000000002", "Jun")}
    assert all(v == [] for v in bad.values())


@pytest.mark.parametrize("doc", ['{"messages": []}', '{"channel": {}}', "[]"])
def test_not_a_discord_export(tmp_path: Path, doc: str) -> None:
    with pytest.raises(SourceError, match="not a DiscordChatExporter export"):
        parse_all(write(tmp_path / "x.json", doc), "discord")


def test_truncated_export(tmp_path: Path) -> None:
    path = write(tmp_path / "cut.json", SAMPLE.read_bytes()[:1500])
    with pytest.raises(SourceError, match="stops being readable after record 1") as err:
        parse_all(path, "discord")
    assert err.value.row == 2
