"""The report as PDF, drawn with reportlab from the same blocks as the HTML.

reportlab is pure Python (pip installs it anywhere); WeasyPrint would render the HTML
itself but needs Pango and cairo from the operating system, which the project's own
install steps (``make install``: pip only) do not provide. Each target's heading is a PDF
bookmark and a line of the contents page. The contents are known before layout, their
page numbers are not: each number is a PDF form the contents page shows by name and the
heading defines when it is laid out, so the document is built in one pass.
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
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import PageBreak as PdfPageBreak

from threadline.share.progress import Tick, no_tick
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

# DejaVu (when the system has it) covers most scripts seized data is written in; Vera
# ships inside reportlab, so a font is always there to embed.
SYSTEM_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAGE = landscape(A4)
CELL_PADDING = 2  # points left and right of a cell's text
HEADING_ROOM = 20 * mm  # a heading with less room than this below it starts a new page


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

    def __init__(self, path: Path, title: str, font: str, sections: Tick = no_tick) -> None:
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
        self.sections = sections
        self.laid_out: set[str] = set()
        self.anchors = 0
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
            # the page number the contents page already refers to
            self.canv.beginForm(_PageRef.form(anchor))
            self.canv.setFont(self.font, 8)
            self.canv.drawRightString(_PageRef.WIDTH, 2, str(self.page))
            self.canv.endForm()
            self.laid_out.add(anchor)
            self.sections(len(self.laid_out), self.anchors)


class _PageRef(Flowable):
    """The page of a section, drawn from a form its heading defines once it is laid out."""

    WIDTH = 18 * mm

    def __init__(self, anchor: str) -> None:
        super().__init__()
        self.anchor = anchor

    @staticmethod
    def form(anchor: str) -> str:
        """The name of the form holding an anchor's page number."""
        return "page-of-" + anchor

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.WIDTH, 10

    def draw(self) -> None:
        self.canv.doForm(self.form(self.anchor))


def render_pdf(report: Report, path: Path, tick: Tick = no_tick) -> None:
    """Write the report as a PDF file; ``tick`` hears of each section (dossier) laid out."""
    font = _font()
    base = getSampleStyleSheet()
    styles = {
        "h1": ParagraphStyle(
            "h1", parent=base["Heading1"], fontName=font, fontSize=14, keepWithNext=1
        ),
        # No keepWithNext on h2: it would glue the heading to its whole table and push
        # both to a new page; a conditional page break keeps the heading off a page's foot.
        "h2": ParagraphStyle(
            "h2",
            parent=base["Heading2"],
            fontName=font,
            fontSize=10.5,
            spaceBefore=6,
            spaceAfter=3,
        ),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontName=font, fontSize=8.5),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=7, leading=8.5),
        "hash": ParagraphStyle("hash", fontName=font, fontSize=7, leading=8.5, wordWrap="CJK"),
        "empty": ParagraphStyle(
            "empty", fontName=font, fontSize=8, textColor=colors.grey, spaceAfter=4
        ),
        "warning": ParagraphStyle(
            "warning",
            parent=base["BodyText"],
            fontName=font,
            fontSize=9,
            borderWidth=1,
            borderColor=colors.black,
            borderPadding=4,
            spaceBefore=4,
            spaceAfter=8,
        ),
        "toc": ParagraphStyle("toc", fontName=font, fontSize=8, leading=9.5),
    }
    doc = _Doc(path, report.title, font, tick)
    story: list[Flowable] = [Paragraph(escape(report.title), styles["h1"]), Spacer(1, 4)]
    entries = [b for b in report.blocks if isinstance(b, Heading) and b.level == 1 and b.anchor]
    doc.anchors = len(entries)
    tick(0, len(entries))
    for block in report.blocks:
        if isinstance(block, Contents):
            story.extend(_contents(entries, styles, doc.width))
        else:
            story.extend(_flowables(block, styles, doc.width))
    doc.build(story)
    tick(len(entries), len(entries))


def _contents(
    entries: list[Heading], styles: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    rows = [
        [
            Paragraph(f'<a href="#{h.anchor}">{escape(h.text)}</a>', styles["toc"]),
            _PageRef(str(h.anchor)),
        ]
        for h in entries
    ]
    table = Table(rows, colWidths=[width - _PageRef.WIDTH, _PageRef.WIDTH], repeatRows=0)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [Paragraph("Contents", styles["h1"]), table]


def table_widths(widths: list[float], columns: int, page_width: float) -> list[float]:
    """Column widths in points from relative widths, summing to exactly the page width."""
    weights = widths if len(widths) == columns else [1.0] * columns
    total = sum(weights)
    return [page_width * w / total for w in weights]


def _cell(value: str, styles: dict[str, ParagraphStyle]) -> Paragraph:
    """A table cell; its paragraph wraps inside the column (reportlab splits long words)."""
    style = styles["hash"] if len(value) > 24 and " " not in value else styles["cell"]
    return Paragraph(escape(value), style)


def _flowables(block: Block, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    if isinstance(block, PageBreak):
        return [PdfPageBreak()]
    if isinstance(block, Heading):
        para = Paragraph(escape(block.text), styles["h1" if block.level == 1 else "h2"])
        if block.level == 1 and block.anchor:
            para._anchor = block.anchor  # type: ignore[attr-defined]
        return [para] if block.level == 1 else [CondPageBreak(HEADING_ROOM), para]
    if isinstance(block, Para):
        style = styles["warning" if block.warning else "body"]
        return [Paragraph(escape(block.text), style), Spacer(1, 4)]
    if isinstance(block, Facts):
        # Two label-value pairs a row: half the height, and the page is wide (landscape).
        label = 40 * mm
        widths = [label, width / 2 - label, label, width / 2 - label]
        rows = []
        for i in range(0, len(block.rows), 2):
            cells = [x for pair in block.rows[i : i + 2] for x in pair]
            cells += [""] * (4 - len(cells))
            rows.append([_cell(c, styles) for c in cells])
        return [_table(rows, widths, header=False), Spacer(1, 4)]
    if isinstance(block, Grid):
        if not block.rows:
            return [Paragraph(escape(block.empty), styles["empty"])]
        widths = table_widths(block.widths, len(block.headers), width)
        data = [[_cell(h, styles) for h in block.headers]]
        data += [[_cell(c, styles) for c in row] for row in block.rows]
        return [_table(data, widths, header=True), Spacer(1, 4)]
    return []


def _table(data: list[list[Paragraph]], widths: list[float], *, header: bool) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    style: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")))
    else:
        style.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")))
        style.append(("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f2f2f2")))
    table.setStyle(TableStyle(style))
    return table
