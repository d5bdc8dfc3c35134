"""The report as one self-contained HTML file (kept in the package beside the PDF)."""

from __future__ import annotations

from html import escape

from threadline.share.report import (
    Block,
    Contents,
    Facts,
    Grid,
    Heading,
    PageBreak,
    Para,
    Report,
)

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; margin: 2em; }
h1 { font-size: 15pt; border-bottom: 1px solid #444; margin-top: 1.5em; }
h2 { font-size: 11.5pt; margin: 1.2em 0 0.3em; }
table { border-collapse: collapse; margin-bottom: 0.6em; }
th, td { border: 1px solid #bbb; padding: 2px 5px; text-align: left; vertical-align: top;
         font-size: 8.5pt; overflow-wrap: anywhere; }
th { background: #eee; }
table.facts th { width: 13em; }
section.target { page-break-before: always; }
p.empty { color: #666; font-style: italic; }
p.warning { border: 2px solid #000; padding: 0.4em; font-weight: bold; }
table { table-layout: fixed; width: 100%; }
table.facts { width: auto; }
"""


def render_html(report: Report) -> str:
    """The report as an HTML document (no scripts, no external resources)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(report.title)}</title><style>{STYLE}</style></head><body>",
        f"<header><p>RESTRICTED: law-enforcement referral</p><h1>{escape(report.title)}</h1>"
        "</header>",
    ]
    open_section = False
    entries = [b for b in report.blocks if isinstance(b, Heading) and b.level == 1 and b.anchor]
    for block in report.blocks:
        if isinstance(block, PageBreak):
            continue
        if isinstance(block, Contents):
            items = "".join(
                f'<li><a href="#{escape(h.anchor or "")}">{escape(h.text)}</a></li>'
                for h in entries
            )
            parts.append(f'<nav class="contents"><h2>Contents</h2><ol>{items}</ol></nav>')
            continue
        if isinstance(block, Heading) and block.level == 1 and block.anchor:
            if open_section:
                parts.append("</section>")
            cls = "target" if block.anchor.startswith("target-") else "summary"
            parts.append(f'<section class="{cls}" id="{escape(block.anchor)}">')
            open_section = True
        parts.append(_block(block))
    if open_section:
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{escape(block.text)}</h{block.level}>"
    if isinstance(block, Para):
        return (
            f'<p class="warning">{escape(block.text)}</p>'
            if block.warning
            else (f"<p>{escape(block.text)}</p>")
        )
    if isinstance(block, Facts):
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in block.rows)
        return f'<table class="facts">{rows}</table>'
    if isinstance(block, Grid):
        if not block.rows:
            return f'<p class="empty">{escape(block.empty)}</p>'
        head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
        cols = ""
        if len(block.widths) == len(block.headers):
            total = sum(block.widths)
            each = "".join(f'<col style="width:{100 * w / total:.1f}%">' for w in block.widths)
            cols = f"<colgroup>{each}</colgroup>"
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows
        )
        return f"<table>{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return ""
