"""``--format auto``: tell an export's format from its first bytes, and say why."""

from __future__ import annotations

import json
from pathlib import Path

from threadline.errors import SourceError
from threadline.ingest.formats.whatsapp_lines import match_header

HEAD_BYTES = 64 * 1024
HEAD_LINES = 20


def sniff(path: Path) -> tuple[str, str]:
    """(format, the evidence for it) of ``path``; a SourceError when nothing fits."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return "xlsx", f"the name ends {path.suffix} (an Excel workbook: needs --mapping)"
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip():
        raise SourceError(path, "the file is empty", row=1)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return _json(path, text)
    lines = [ln for ln in text.split("\n")[:HEAD_LINES] if ln.strip()]
    for n, line in enumerate(lines, 1):
        if match_header(line.rstrip("\r")) is not None:
            return "whatsapp", f"line {n} starts with a WhatsApp chat header: {line[:40]!r}"
    first = lines[0] if lines else ""
    for sep, name in ((",", "comma"), (";", "semicolon"), ("\t", "tab")):
        if sep in first:
            return "csv", f"the first line is a {name}-separated header"
    raise SourceError(
        path,
        "cannot tell the format (not a WhatsApp, Telegram, Discord, VICS, CSV or JSON Lines "
        "file); pass --format",
        row=1,
    )


def _json(path: Path, text: str) -> tuple[str, str]:
    if '"guild"' in text and '"channel"' in text:
        return "discord", "a JSON document with 'guild' and 'channel' (DiscordChatExporter)"
    for key in ('"@odata.context"', '"odata.metadata"'):
        if key in text and '"value"' in text:
            return "vics", f"an OData document with {key} and 'value' (Project VIC VICS)"
    if '"value"' in text and '"MediaID"' in text:
        return "vics", "a JSON document whose 'value' holds MediaID entries (Project VIC VICS)"
    for key in ('"personal_information"', '"chats"', '"date_unixtime"', '"from_id"'):
        if key in text:
            return "telegram", f"a JSON document with {key} (Telegram Desktop export)"
    first = text.split("\n", 1)[0].strip()
    try:
        if isinstance(json.loads(first), dict):
            return "jsonl", "the first line is one JSON object (JSON Lines)"
    except ValueError:
        pass
    raise SourceError(path, "a JSON document of no known export format; pass --format", row=1)
