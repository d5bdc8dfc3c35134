"""Pages may load nothing from elsewhere and run no inline code; vendored files are as recorded."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "threadline" / "web"


def test_vendored_files_match_their_recorded_hashes() -> None:
    text = (WEB / "static" / "VENDORED.md").read_text(encoding="utf-8")
    rows = re.findall(r"\| `(vendor/[^`]+\.(?:js|css|json))` \|.*\| `([0-9a-f]{64})` \|", text)
    assert {r[0] for r in rows} == {
        *("vendor/htmx.min.js", "vendor/cytoscape.min.js", "vendor/leaflet.js"),
        *("vendor/leaflet.css", "vendor/topojson-client.min.js", "vendor/countries-50m.json"),
    }
    for name, digest in rows:
        assert hashlib.sha256((WEB / "static" / name).read_bytes()).hexdigest() == digest
    for licence in (
        *("htmx.LICENSE", "cytoscape.LICENSE", "leaflet.LICENSE"),
        *("topojson-client.LICENSE", "world-atlas.LICENSE"),
    ):
        assert (WEB / "static" / "vendor" / licence).is_file()


def test_templates_have_no_inline_code_and_no_outside_address() -> None:
    for t in (WEB / "templates").glob("*.html"):
        html = t.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), t.name
        assert not re.search(r"<style", html), t.name
        assert not re.search(r"\sstyle=", html), t.name
        assert not re.search(r"\son[a-z]+=", html), t.name
        assert not re.search(r"https?://", html), t.name
        assert "|safe" not in html, t.name
        assert "autoescape false" not in html, t.name
    for f in (WEB / "static").glob("*.*"):
        if f.suffix in (".js", ".css"):
            assert not re.search(r"https?://", f.read_text(encoding="utf-8")), f.name
