"""The human report of a referral package as a list of blocks, rendered to HTML and PDF.

Both renderers walk the same blocks, so the kept HTML source and the PDF say the same
thing: an executive summary and what to do first, a contents page, one dossier per target
at or above the confidence floor in priority order (``share/report_target.py``), an annex
of the targets under the floor marked intelligence only, and the sources cited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from threadline.share import facts
from threadline.share.progress import Tick, no_tick
from threadline.share.referral import Referral, TargetDossier


@dataclass(frozen=True)
class Heading:
    """A heading; a level-1 heading with an anchor opens a section and a contents entry."""

    text: str
    level: int = 2
    anchor: str | None = None  # level-1 headings with an anchor are the PDF's bookmarks


@dataclass(frozen=True)
class Para:
    """A paragraph of text; ``warning`` paragraphs are boxed (intelligence-only marks)."""

    text: str
    warning: bool = False


@dataclass(frozen=True)
class Facts:
    """Label and value pairs, shown as a two-column table."""

    rows: list[tuple[str, str]]


@dataclass(frozen=True)
class Grid:
    """A table with a header row; ``empty`` is shown instead when it has no rows.

    ``widths`` are the columns' relative widths (equal when empty): the renderers scale
    them to the page, so no table is wider than the page and long cells wrap.
    """

    headers: list[str]
    rows: list[list[str]]
    empty: str = "none in the case"
    widths: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Contents:
    """The contents page: every level-1 heading with an anchor, with its page in the PDF."""


@dataclass(frozen=True)
class PageBreak:
    """A new page in the PDF (the HTML has none)."""


Block = Heading | Para | Facts | Grid | Contents | PageBreak


@dataclass(frozen=True)
class Report:
    """A report's title and its blocks in reading order."""

    title: str
    blocks: list[Block]


DISCLOSURE = (
    "This package holds only the targets whose jurisdiction is {country}. People who "
    "appear beside them in other jurisdictions are shown as numbered counterparts with a "
    "role and a country, never an identity. Media are listed by hash and category only; "
    "series are opaque ids. Chat text and payment narratives are not included. Every "
    "evidence reference names a source (numbered in the Sources annex, with the sha256 of "
    "the seized file) and the row in it; the bundle folder holds every row in full. The "
    "manifest lists every file of this package with its sha256 and is signed (Ed25519)."
)
ANNEX_MARK = (
    "INTELLIGENCE ONLY. These persons are the jurisdiction's targets whose confidence is "
    "under the floor of {floor}: the evidence does not make it more likely than not that "
    "they are buyers. They are listed for deconfliction and intelligence, not as a basis "
    "for legal process, and are not in the body of this package."
)
FIRST_STEPS = 5  # targets named under "what to do first"


def text(value: Any) -> str:
    """A value as report text: None blank, floats to two decimals, lists joined by commas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(text(v) for v in value)
    return str(value)


def when(value: Any) -> str:
    """A stored ISO timestamp to the minute, in UTC (``2024-03-01 14:05``)."""
    shown = text(value)
    if len(shown) >= 16 and shown[10] == "T":
        return f"{shown[:10]} {shown[11:16]}"
    return shown


def day(value: Any) -> str:
    """A stored ISO timestamp as its date."""
    return text(value)[:10]


class SourceIndex:
    """Numbers the cited sources, so evidence reads ``src 3 row 12`` (the annex maps them)."""

    def __init__(self, sources: list[dict[str, Any]]) -> None:
        self.number = {str(s["sha256"]): i for i, s in enumerate(sources, start=1)}

    def refs(self, evidence: list[dict[str, Any]] | None, limit: int = 3) -> str:
        """Evidence references in short form: source number and row."""
        items = evidence or []
        shown = [self.ref(e) for e in items[:limit]]
        more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
        return "; ".join(shown) + more

    def ref(self, e: dict[str, Any]) -> str:
        """One evidence reference: ``src N row R`` (``table`` added when given)."""
        sha = str(e.get("source_sha256", ""))
        src = f"src {self.number[sha]}" if sha in self.number else f"src {sha[:12]}"
        table = f" {e['table']}" if e.get("table") else ""
        return f"{src}{table} row {e.get('row', '?')}"


def target_title(t: TargetDossier) -> str:
    """A target's heading: the country rank labelled as such, person id and role."""
    return f"{t.country} target {t.country_rank} of {t.country_targets}: {t.person_id}"


def build_report(ref: Referral, tick: Tick = no_tick) -> Report:
    """The report's blocks for one country's referral; ``tick`` hears of each dossier."""
    from threadline.share.report_target import annex_blocks, target_blocks

    src = SourceIndex(ref.sources)
    blocks: list[Block] = [*_summary(ref), PageBreak(), Contents()]
    tick(0, len(ref.targets))
    for i, t in enumerate(ref.targets, start=1):
        blocks += [PageBreak(), *target_blocks(t, src)]
        tick(i, len(ref.targets))
    if ref.annex:
        blocks += [PageBreak(), *annex_blocks(ref, src)]
    blocks += [PageBreak(), *_sources(ref)]
    return Report(f"Referral package for {ref.country_name} ({ref.country})", blocks)


def _summary(ref: Referral) -> list[Block]:
    s = ref.summary()
    blocks: list[Block] = [
        Heading("Executive summary", 1, "summary"),
        Facts(
            [
                ("Receiving jurisdiction", f"{ref.country_name} ({ref.country})"),
                ("Case", ref.case),
                ("Prepared", when(ref.created_at)),
                ("Targets", f"{s['targets']} ({_by_role(s['targets_by_role'])})"),
                ("Paid sessions", str(s["paid_sessions"])),
                ("Total spend by the targets", facts.money(_decimal(s["spend"]))),
                ("Networks", f"{len(s['networks'])} ({text(s['networks']) or 'none'})"),
                ("Facilitators dealt with", f"{s['facilitators']} (counterparts, abroad)"),
                (
                    "Period covered",
                    f"{day(s['first_activity']) or '?'} to {day(s['last_activity']) or '?'}",
                ),
                (
                    "Confidence floor",
                    f"{ref.floor:.2f}: {s['annex_intelligence_only']} "
                    "under it, listed in the annex as intelligence only",
                ),
                ("Tool version", ref.tool_version),
            ]
        ),
        Heading("What to do first", 2),
        Grid(
            ["country rank", "person", "confidence", "sessions", "spend", "most urgent reasons"],
            [_first(t) for t in ref.targets[:FIRST_STEPS]],
            "no targets at or above the confidence floor",
            [1, 1.6, 1, 1, 1.4, 5],
        ),
        Para(DISCLOSURE.format(country=ref.country)),
    ]
    return blocks


def _first(t: TargetDossier) -> list[str]:
    urgent = sorted(
        (r for r in t.reasons if (r.get("weight") or 0) > 0),
        key=lambda r: -float(r.get("weight") or 0),
    )[:2]
    _, last = facts.session_span(t)
    sessions = f"{len(t.sessions)}" + (f", last {day(last)}" if last else "")
    return [
        f"{t.country_rank} of {t.country_targets}",
        t.person_id,
        text(t.confidence),
        sessions,
        facts.money(facts.spend(t)),
        "; ".join(text(r["description"]) for r in urgent),
    ]


def _sources(ref: Referral) -> list[Block]:
    return [
        Heading("Sources cited", 1, "sources"),
        Para("Evidence references in this report read src N row R: the row R of source N."),
        Grid(
            ["src", "sha256 of the seized file", "kind", "agency", "seizure"],
            [
                [str(i), x["sha256"], text(x["kind"]), text(x["agency"]), text(x["seizure"])]
                for i, x in enumerate(ref.sources, start=1)
            ],
            widths=[0.5, 5, 1.2, 1.5, 1.8],
        ),
    ]


def _by_role(roles: dict[str, int]) -> str:
    return ", ".join(f"{n} {r}" for r, n in roles.items()) or "none"


def _decimal(values: dict[str, str]) -> dict[str, Any]:
    from decimal import Decimal

    return {c: Decimal(v) for c, v in values.items()}
