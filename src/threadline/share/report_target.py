"""One target's dossier in the report, and the annex of targets under the confidence floor.

A dossier fits a page or two: identifiers a receiving agency can serve legal process on,
what the target did (paid sessions, spend, counterparts, networks), why it is a target
(reasons with evidence references) and how sure the analysis is. Long lists are cut to
their most telling rows; the bundle beside the report holds every row.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from threadline.share import facts
from threadline.share.referral import Referral, TargetDossier
from threadline.share.report import (
    ANNEX_MARK,
    Block,
    Facts,
    Grid,
    Heading,
    Para,
    SourceIndex,
    day,
    target_title,
    text,
    when,
)

MAX_IPS = 6
MAX_SESSIONS = 5
MAX_ROWS = 5  # counterparts, payment groups, networks, media per dossier
IN_BUNDLE = "{n} more in bundle/{file}"


def target_blocks(t: TargetDossier, src: SourceIndex) -> list[Block]:
    """A target's dossier: headline facts, identifiers, reasons, sessions, money, context."""
    first, last = facts.session_span(t)
    sessions = f"{len(t.sessions)}" + (f": first {day(first)}, last {day(last)}" if first else "")
    priority = text(t.priority) if t.priority is not None else "ordered by overall rank"
    return [
        Heading(target_title(t), 1, f"target-{t.person_id}"),
        Facts(
            [
                ("Country rank", f"{t.country_rank} of {t.country_targets} in {t.country}"),
                ("Overall rank (all countries)", text(t.rank)),
                ("Confidence", text(t.confidence)),
                ("Priority", priority),
                ("Role", text(t.role)),
                ("Paid sessions", sessions),
                ("Spend (payments sent)", facts.money(facts.spend(t))),
                ("Networks", text([n["network_id"] for n in t.networks]) or "none"),
            ]
        ),
        Heading("Identifiers for legal process"),
        _identifiers(t, src),
        Heading("Why a target: reasons and evidence"),
        Grid(
            ["reason", "weight", "indicator source", "evidence (source, row)"],
            [
                [
                    text(r["description"]) or text(r["signal"]),
                    text(r["weight"]),
                    text(r["source"]),
                    src.refs(r["evidence"], 2),
                ]
                for r in t.reasons
            ],
            widths=[4.2, 0.6, 2.4, 3.8],
        ),
        Heading("Counterparts: facilitators and others dealt with"),
        _counterparts(t),
        Heading("Paid sessions (most recent first)"),
        _sessions(t, src),
        Heading("Payments by provider and counterpart"),
        _payments(t, src),
        Heading("Networks"),
        _networks(t),
        Heading("Jurisdiction evidence"),
        Grid(
            ["basis", "value", "country", "rows", "evidence (source, row)"],
            [
                [
                    j["basis"],
                    text(j["value"]),
                    text(j["country"]),
                    text(j["rows"]),
                    src.refs(j["evidence"], 2),
                ]
                for j in t.jurisdiction
            ],
            widths=[2, 2.5, 1, 0.7, 4],
        ),
        *_media(t),
        *_rescue(t, src),
    ]


def _identifiers(t: TargetDossier, src: SourceIndex) -> Grid:
    rows: list[list[str]] = []
    contacts: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in t.accounts:
        details = [
            f"name {a['display_name']}" if a.get("display_name") else "",
            f"country {a['country']}" if a.get("country") else "",
            f"created {day(a['created_at'])}" if a.get("created_at") else "",
        ]
        rows.append(
            [
                f"account ({a['platform']})",
                a["account_id"],
                "; ".join(d for d in details if d),
                "",
                src.refs(a["evidence"], 2),
            ]
        )
        for kind in ("email", "phone"):
            if a.get(kind):
                contacts[(kind, str(a[kind]))].append(f"on {a['platform']}:{a['account_id']}")
    for (provider, account), ids in _by_payment_account(t).items():
        names = sorted({str(i["name"]) for i in ids if i.get("name")})
        where = sorted({f"{i['city'] or ''} {i['country'] or ''}".strip() for i in ids} - {""})
        for i in ids:
            if i.get("phone"):
                contacts[("phone", str(i["phone"]))].append(f"on {provider}")
        details = [
            f"names used: {', '.join(names)}" if names else "",
            ", ".join(where),
            f"{sum(int(i['payments'] or 0) for i in ids)} payments",
        ]
        rows.append(
            [
                f"payment ({provider})",
                account or "(no account id)",
                "; ".join(d for d in details if d),
                "",
                "",
            ]
        )
    for (kind, value), where in sorted(contacts.items()):
        rows.append(
            ["e-mail" if kind == "email" else "phone", value, ", ".join(sorted(set(where))), "", ""]
        )
    for ip in t.ips[:MAX_IPS]:
        asn = text(ip.get("asn")) or "ASN unknown"
        place = text(ip.get("ip_country")).strip("-") or "country unknown"
        about = f"{asn}; {place}" + ("; hosting/VPN" if ip.get("hosting") else "")
        seen = f"{when(ip['first_seen'])} to {when(ip['last_seen'])}, {ip['logins']} logins"
        rows.append(["IP", ip["ip"], about, seen, src.refs(ip["evidence"], 1)])
    if len(t.ips) > MAX_IPS:
        more = IN_BUNDLE.format(n=len(t.ips) - MAX_IPS, file="ips.csv")
        rows.append(["IP", more, "", "", ""])
    return Grid(
        ["kind", "identifier", "details", "seen (UTC)", "evidence (source, row)"],
        rows,
        widths=[1.2, 2.4, 3, 3.6, 2.3],
    )


def _by_payment_account(t: TargetDossier) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for i in t.payment_identities:
        out[(text(i["provider"]), text(i["account"]))].append(i)
    return dict(sorted(out.items()))


def _capped(rows: list[list[str]], total: int, file: str) -> list[list[str]]:
    """The first MAX_ROWS rows, then one row saying how many more the bundle's file holds."""
    shown = rows[:MAX_ROWS]
    if total > MAX_ROWS:
        width = len(rows[0]) if rows else 1
        shown.append([IN_BUNDLE.format(n=total - MAX_ROWS, file=file)] + [""] * (width - 1))
    return shown


def _counterparts(t: TargetDossier) -> Grid:
    everyone = facts.counterparts(t)
    rows = [
        [
            c["counterpart"],
            text(c["role"]) or "payee/payer",
            text(c["jurisdiction"]) or "?",
            str(c["sessions"]),
            str(c["payments"]),
            day(c["first"]),
            day(c["last"]),
        ]
        for c in everyone[:MAX_ROWS]
    ]
    rows = _capped(rows, len(everyone), "sessions.csv")
    return Grid(
        ["counterpart", "role", "jurisdiction", "sessions", "payments", "first", "last"],
        rows,
        widths=[2.5, 1.3, 1.2, 1, 1, 1.3, 1.3],
    )


def _sessions(t: TargetDossier, src: SourceIndex) -> Grid:
    recent = sorted(t.sessions, key=lambda s: text(s.get("start")), reverse=True)
    rows = [
        [
            when(s["start"]),
            when(s["end"]),
            s["target_side"],
            s["counterpart"],
            text(s["payment_transaction_ids"]),
            text(s["login_ips"]),
            text(s["confidence"]),
            src.refs(s["evidence"], 1),
        ]
        for s in recent[:MAX_SESSIONS]
    ]
    if len(recent) > MAX_SESSIONS:
        more = IN_BUNDLE.format(n=len(recent) - MAX_SESSIONS, file="sessions.csv")
        rows.append([more, "", "", "", "", "", "", ""])
    return Grid(
        [
            "start (UTC)",
            "end (UTC)",
            "as",
            "counterpart",
            "payments",
            "login IPs",
            "confidence",
            "evidence",
        ],
        rows,
        widths=[1.5, 1.5, 0.7, 1.5, 2, 2, 0.9, 2.3],
    )


def _payments(t: TargetDossier, src: SourceIndex) -> Grid:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for p in t.payments:
        groups[(p["direction"], text(p["provider"]), p["counterpart"])].append(p)
    rows = []
    for (direction, provider, who), ps in sorted(groups.items(), key=lambda g: -len(g[1])):
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for p in ps:
            if p.get("amount") is not None:
                totals[text(p["currency"]) or "?"] += Decimal(str(p["amount"]))
        dates = sorted(text(p["sent_at"]) for p in ps)
        rows.append(
            [
                direction,
                provider,
                who,
                str(len(ps)),
                facts.money(dict(totals)),
                day(dates[0]),
                day(dates[-1]),
                src.refs([e for p in ps for e in p["evidence"]], 1),
            ]
        )
    shown = _capped(rows, len(rows), "payments.csv")
    return Grid(
        ["direction", "provider", "counterpart", "payments", "total", "first", "last", "evidence"],
        shown,
        widths=[1, 1.3, 1.6, 0.9, 1.8, 1.2, 1.2, 2.6],
    )


def _networks(t: TargetDossier) -> Grid:
    rows = [
        [
            text(n["network_id"]),
            text(n["role"]),
            text(n["size"]),
            f"{text(n['sellers'])} / {text(n['buyers'])}",
            text(n["centrality"]),
            f"{day(n['first_activity'])} to {day(n['last_activity'])}",
            text(n["summary"]),
        ]
        for n in t.networks[:MAX_ROWS]
    ]
    return Grid(
        ["network", "role in it", "size", "sellers / buyers", "centrality", "active", "summary"],
        rows,
        widths=[1.4, 1, 0.6, 1, 0.9, 2, 5],
    )


def _media(t: TargetDossier) -> list[Block]:
    if not t.media:
        return []
    rows = [
        [
            m["sha256"],
            text(m["match"]),
            text(m["category"]),
            text(m["series_id"]),
            text(m["list_name"]),
        ]
        for m in t.media[:MAX_ROWS]
    ]
    rows = _capped(rows, len(t.media), "media.csv")
    return [
        Heading("Media (hash and category only)"),
        Grid(
            ["sha256", "matched by", "category", "series id", "hash list"],
            rows,
            widths=[5, 1, 1, 1.6, 1.6],
        ),
    ]


def _rescue(t: TargetDossier, src: SourceIndex) -> list[Block]:
    if not t.rescue:
        return []
    rows = [
        [
            f"{r['lat']:.4f}, {r['lon']:.4f}" if r.get("lat") is not None else "",
            _metres(r.get("radius_m")),
            text(r["country"]),
            text(r["admin_area"]),
            when(r["last_activity"]),
            src.refs(r["evidence"], 2),
        ]
        for r in t.rescue
    ]
    return [
        Heading("Rescue: best location estimate"),
        Grid(
            ["lat, lon", "radius", "country", "area", "last activity (UTC)", "evidence"],
            rows,
            widths=[2, 1, 1, 2, 1.6, 2.6],
        ),
    ]


def _metres(value: Any) -> str:
    if value is None:
        return ""
    m = float(value)
    return f"{m / 1000:.1f} km" if m >= 1000 else f"{round(m, -1):.0f} m"


def annex_blocks(ref: Referral, src: SourceIndex) -> list[Block]:
    """The targets under the confidence floor, marked intelligence only."""
    rows = []
    for t in ref.annex:
        top = max(t.reasons, key=lambda r: float(r.get("weight") or 0), default=None)
        rows.append(
            [
                t.person_id,
                text(t.confidence),
                text([f"{a['platform']}:{a['account_id']}" for a in t.accounts]),
                text(top["description"]) if top else "",
                src.refs(top["evidence"], 2) if top else "",
            ]
        )
    return [
        Heading("Annex: intelligence only (under the confidence floor)", 1, "annex"),
        Para(ANNEX_MARK.format(floor=f"{ref.floor:.2f}"), warning=True),
        Grid(
            [
                "person (intelligence only)",
                "confidence",
                "accounts",
                "strongest reason",
                "evidence (source, row)",
            ],
            rows,
            widths=[1.6, 0.9, 3, 4, 2.2],
        ),
    ]
