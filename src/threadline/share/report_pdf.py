"""The report as PDF, drawn with reportlab from the same blocks as the HTML.

reportlab is pure Python (pip installs it anywhere); WeasyPrint would render the HTML
itself but needs Pango and cairo from the operating system, which the project's own
install steps (``make install``: pip only) do not provide. Each target's heading is a PDF
bookmark, so a reader jumps from target to target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import PageBreak as PdfPageBreak

from threadline.share.report import Block, Facts, Grid, Heading, PageBreak, Para, Report

# DejaVu (when the system has it) covers most scripts seized data is written in; Vera
# ships inside reportlab, so a font is always there to embed.
SYSTEM_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAGE = landscape(A4)


def _font() -> str:
    import reportlab

    candidates = [SYSTEM_FONT, Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"]
    for path in candidates:
        if path.is_file():
            name = "TL-" + path.stem
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(path)))
            return name
    return "Helvetica"


class _Doc(BaseDocTemplate):
    """A document that turns target headings into bookmarks and numbers its pages."""

    def __init__(self, path: Path, title: str, font: str) -> None:
        super().__init__(
            str(path),
            pagesize=PAGE,
            leftMargin=12 * mm,
            rightMargin=12 * mm,
            topMargin=14 * mm,
            bottomMargin=14 * mm,
            title=title,
            author="Threadline",
            subject="Referral package",
        )
        self.font = font
        self.report_title = title
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate("page", [frame], onPage=self._decorate)])

    def _decorate(self, canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(self.font, 7)
        canvas.drawString(self.leftMargin, 8 * mm, f"RESTRICTED | {self.report_title}")
        canvas.drawRightString(PAGE[0] - self.rightMargin, 8 * mm, f"page {doc.page}")
        canvas.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:
        anchor = getattr(flowable, "_anchor", None)
        if anchor and isinstance(flowable, Paragraph):
            self.canv.bookmarkPage(anchor)
            self.canv.addOutlineEntry(flowable.getPlainText(), anchor, level=0)


def render_pdf(report: Report, path: Path) -> None:
    """Write the report as a PDF file."""
    font = _font()
    base = getSampleStyleSheet()
    styles = {
        "h1": ParagraphStyle(
            "h1", parent=base["Heading1"], fontName=font, fontSize=14, keepWithNext=1
        ),
        "h2": ParagraphStyle(
            "h2", parent=base["Heading2"], fontName=font, fontSize=10.5, keepWithNext=1
        ),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontName=font, fontSize=8.5),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=7, leading=8.5),
        "hash": ParagraphStyle("hash", fontName=font, fontSize=7, leading=8.5, wordWrap="CJK"),
        "empty": ParagraphStyle(
            "empty", fontName=font, fontSize=8, textColor=colors.grey, spaceAfter=4
        ),
    }
    doc = _Doc(path, report.title, font)
    story: list[Flowable] = [Paragraph(escape(report.title), styles["h1"]), Spacer(1, 4)]
    for block in report.blocks:
        story.extend(_flowables(block, styles, doc.width))
    doc.build(story)


def _cell(value: str, styles: dict[str, ParagraphStyle]) -> Paragraph:
    style = styles["hash"] if len(value) > 24 and " " not in value else styles["cell"]
    return Paragraph(escape(value), style)


def _flowables(block: Block, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    if isinstance(block, PageBreak):
        return [PdfPageBreak()]
    if isinstance(block, Heading):
        para = Paragraph(escape(block.text), styles["h1" if block.level == 1 else "h2"])
        if block.level == 1 and block.anchor:
            para._anchor = block.anchor  # type: ignore[attr-defined]
        return [para]
    if isinstance(block, Para):
        return [Paragraph(escape(block.text), styles["body"]), Spacer(1, 4)]
    if isinstance(block, Facts):
        rows = [[_cell(k, styles), _cell(v, styles)] for k, v in block.rows]
        return [_table(rows, [45 * mm, width - 45 * mm], header=False), Spacer(1, 4)]
    if isinstance(block, Grid):
        if not block.rows:
            return [Paragraph(escape(block.empty), styles["empty"])]
        data = [[_cell(h, styles) for h in block.headers]]
        data += [[_cell(c, styles) for c in row] for row in block.rows]
        col = width / len(block.headers)
        return [_table(data, [col] * len(block.headers), header=True), Spacer(1, 4)]
    return []


def _table(data: list[list[Paragraph]], widths: list[float], *, header: bool) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    style: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")))
    else:
        style.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")))
    table.setStyle(TableStyle(style))
    return table
