"""--format auto: what each sample is taken for, and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CANONICAL, write
from tests.ingest.formats.conftest import FORMATS_DATA
from threadline.errors import SourceError
from threadline.ingest.formats.sniff import sniff

CASES = [
    ("whatsapp/android_dmy_24h.txt", "whatsapp", "WhatsApp chat header"),
    ("whatsapp/ios_mdy_12h_seconds.txt", "whatsapp", "line 1"),
    ("whatsapp/preamble_crlf.txt", "whatsapp", "line 2"),
    ("telegram/single_chat.json", "telegram", "Telegram"),
    ("telegram/result.json", "telegram", "personal_information"),
    ("discord/guild_channel.json", "discord", "DiscordChatExporter"),
    ("vics/vics_1_3.json", "vics", "odata.metadata"),
    ("vics/vics_2_0.json", "vics", "@odata.context"),
    ("mapping/remitexpress_payouts.csv", "csv", "semicolon"),
    ("mapping/chatapp_subscribers.jsonl", "jsonl", "JSON Lines"),
]


@pytest.mark.parametrize(("name", "fmt", "why"), CASES)
def test_samples_are_recognised(name: str, fmt: str, why: str) -> None:
    found, reason = sniff(FORMATS_DATA / name)
    assert found == fmt
    assert why in reason


def test_canonical_files_and_workbooks() -> None:
    assert sniff(CANONICAL / "messages.csv")[0] == "csv"
    assert sniff(CANONICAL / "payments.jsonl")[0] == "jsonl"
    assert sniff(Path("report.xlsx"))[0] == "xlsx"


def test_shared_samples(shared_data: Path) -> None:
    assert sniff(shared_data / "vics" / "example-VIC-data.json")[0] == "vics"
    for path in (shared_data / "real-formats" / "whatsapp").glob("*.txt"):
        assert sniff(path)[0] == "whatsapp"
    for path in (shared_data / "real-formats" / "telegram").glob("test_*.json"):
        assert sniff(path)[0] == "telegram"


@pytest.mark.parametrize("content", [b"", b"   \n", b"just some words\n", b'{"a": [1,\n2]}'])
def test_unknown_content_is_refused(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "x.bin", content)
    with pytest.raises(SourceError) as err:
        sniff(path)
    assert err.value.path == path
