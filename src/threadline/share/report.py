"""The human report of a referral package as a list of blocks, rendered to HTML and PDF.

Both renderers walk the same blocks, so the kept HTML source and the PDF say the same
thing: a summary, then one section per target (identity, jurisdiction evidence, score and
reasons, sessions, payments, network context, media by hash and category, rescue).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from threadline.share.referral import Referral, TargetDossier


@dataclass(frozen=True)
class Heading:
    """A heading; a level-1 heading with an anchor opens a section (the summary or a target)."""

    text: str
    level: int = 2
    anchor: str | None = None  # level-1 headings with an anchor are the PDF's bookmarks


@dataclass(frozen=True)
class Para:
    """A paragraph of text."""

    text: str


@dataclass(frozen=True)
class Facts:
    """Label and value pairs, shown as a two-column table."""

    rows: list[tuple[str, str]]


@dataclass(frozen=True)
class Grid:
    """A table with a header row; ``empty`` is shown instead when it has no rows."""

    headers: list[str]
    rows: list[list[str]]
    empty: str = "none in the case"


@dataclass(frozen=True)
class PageBreak:
    """A new page in the PDF (the HTML has none)."""

    pass


Block = Heading | Para | Facts | Grid | PageBreak


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
    "evidence reference names the sha256 of the seized source file and the row in it; "
    "the manifest lists every file of this package with its sha256 and is signed (Ed25519)."
)


def text(value: Any) -> str:
    """A value as report text: None blank, floats to three decimals, lists joined by commas."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list | tuple):
        return ", ".join(text(v) for v in value)
    shown = str(value)
    return shown.replace(".000000Z", "Z") if shown.endswith(".000000Z") else shown


def refs(evidence: list[dict[str, Any]] | None, limit: int = 3) -> str:
    """Evidence references in short form: source hash prefix and row."""
    items = evidence or []
    shown = [f"{str(e.get('source_sha256', ''))[:12]}#{e.get('row', '')}" for e in items[:limit]]
    more = f" (+{len(items) - limit})" if len(items) > limit else ""
    return "; ".join(shown) + more


def build_report(ref: Referral) -> Report:
    """The report's blocks for one country's referral."""
    s = ref.summary()
    blocks: list[Block] = [
        Heading("Summary", 1, "summary"),
        Facts(
            [
                ("Receiving jurisdiction", f"{ref.country_name} ({ref.country})"),
                ("Case", ref.case),
                ("Prepared", ref.created_at),
                ("Targets", f"{s['targets']} ({_by_role(s['targets_by_role'])})"),
                ("Networks", text(s["networks"]) or "none"),
                ("Paid sessions", str(s["sessions"])),
                ("Payments", str(s["payments"])),
                ("Media hashes", str(s["media_hashes"])),
                ("Activity", f"{s['first_activity'] or '?'} to {s['last_activity'] or '?'}"),
                ("Tool version", ref.tool_version),
            ]
        ),
        Para(DISCLOSURE.format(country=ref.country)),
        Heading("Targets in rank order", 2),
        Grid(
            ["rank", "person", "role", "score", "accounts", "payment identities"],
            [
                [
                    text(t.rank),
                    t.person_id,
                    text(t.role),
                    text(t.score),
                    str(len(t.accounts)),
                    str(len(t.payment_identities)),
                ]
                for t in ref.targets
            ],
            "no targets for this jurisdiction",
        ),
        Heading("Sources cited", 2),
        Grid(
            ["source sha256", "kind", "agency", "seizure"],
            [[x["sha256"], x["kind"], x["agency"], x["seizure"]] for x in ref.sources],
        ),
    ]
    for t in ref.targets:
        blocks += [PageBreak(), *_target(t)]
    return Report(f"Referral package for {ref.country_name} ({ref.country})", blocks)


def _by_role(roles: dict[str, int]) -> str:
    return ", ".join(f"{n} {r}" for r, n in roles.items()) or "none"


def _target(t: TargetDossier) -> list[Block]:
    return [
        Heading(
            f"Target {text(t.rank)}: {t.person_id} ({t.role or 'role unknown'})",
            1,
            f"target-{t.person_id}",
        ),
        Facts([("Score", text(t.score)), ("Role", text(t.role)), ("Jurisdiction", t.country)]),
        Heading("Identity: accounts"),
        Grid(
            ["account", "display name", "email", "phone", "country", "created", "evidence"],
            [
                [
                    f"{a['platform']}:{a['account_id']}",
                    text(a["display_name"]),
                    text(a["email"]),
                    text(a["phone"]),
                    text(a["country"]),
                    text(a["created_at"]),
                    refs(a["evidence"]),
                ]
                for a in t.accounts
            ],
        ),
        Heading("Identity: payment identities"),
        Grid(
            ["provider", "name", "account", "phone", "country", "city", "payments"],
            [
                [text(i[k]) for k in ("provider", "name", "account", "phone", "country", "city")]
                + [text(i["payments"])]
                for i in t.payment_identities
            ],
        ),
        Heading("Jurisdiction evidence"),
        Grid(
            ["basis", "value", "country", "rows", "evidence"],
            [
                [
                    j["basis"],
                    text(j["value"]),
                    text(j["country"]),
                    text(j["rows"]),
                    refs(j["evidence"]),
                ]
                for j in t.jurisdiction
            ],
        ),
        Heading("Score and reasons"),
        Grid(
            ["signal", "weight", "why", "indicator source", "evidence"],
            [
                [
                    text(r["signal"]),
                    text(r["weight"]),
                    text(r["description"]),
                    text(r["source"]),
                    refs(r["evidence"]),
                ]
                for r in t.reasons
            ],
        ),
        Heading("Paid sessions"),
        Grid(
            ["start", "end", "as", "counterpart", "payments", "login IPs", "confidence"],
            [
                [
                    text(x["start"]),
                    text(x["end"]),
                    x["target_side"],
                    _counterpart(x),
                    text(x["payment_transaction_ids"]),
                    text(x["login_ips"]),
                    text(x["confidence"]),
                ]
                for x in t.sessions
            ],
        ),
        Heading("Payments"),
        Grid(
            [
                "sent at",
                "direction",
                "provider",
                "transaction",
                "amount",
                "counterpart",
                "evidence",
            ],
            [
                [
                    text(p["sent_at"]),
                    p["direction"],
                    text(p["provider"]),
                    text(p["transaction_id"]),
                    f"{text(p['amount'])} {text(p['currency'])}",
                    f"{p['counterpart']} ({text(p['counterpart_country']) or '?'})",
                    refs(p["evidence"]),
                ]
                for p in t.payments
            ],
        ),
        Heading("Network context"),
        Grid(
            ["network", "role in it", "size", "sellers", "buyers", "centrality", "summary"],
            [
                [
                    text(n["network_id"]),
                    text(n["role"]),
                    text(n["size"]),
                    text(n["sellers"]),
                    text(n["buyers"]),
                    text(n["centrality"]),
                    text(n["summary"]),
                ]
                for n in t.networks
            ],
        ),
        Heading("Media series (hash and category only)"),
        Grid(
            ["sha256", "matched by", "category", "series id", "hash list"],
            [
                [
                    m["sha256"],
                    text(m["match"]),
                    text(m["category"]),
                    text(m["series_id"]),
                    text(m["list_name"]),
                ]
                for m in t.media
            ],
        ),
        *_rescue(t),
    ]


def _counterpart(x: dict[str, Any]) -> str:
    where = x["counterpart_jurisdiction"] or "jurisdiction not set"
    account = f", {x['counterpart_account']}" if x["counterpart_account"] else ""
    return f"{x['counterpart']} ({x['counterpart_role']}, {where}{account})"


def _rescue(t: TargetDossier) -> list[Block]:
    if not t.rescue:
        return []
    return [
        Heading("Rescue: best location estimate"),
        Grid(
            ["lat", "lon", "radius m", "country", "area", "last activity", "evidence"],
            [
                [
                    text(r["lat"]),
                    text(r["lon"]),
                    text(r["radius_m"]),
                    text(r["country"]),
                    text(r["admin_area"]),
                    text(r["last_activity"]),
                    refs(r["evidence"]),
                ]
                for r in t.rescue
            ],
        ),
    ]
