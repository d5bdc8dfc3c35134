"""Headline figures of a referral: per target and for the executive summary.

Worked out from the rows a dossier already holds (sessions, payments, networks), so the
report's figures are exactly the rows in the bundle beside it.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from threadline.share.referral import TargetDossier


def spend(t: TargetDossier) -> dict[str, Decimal]:
    """What the target sent, per currency (exact decimals)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for p in t.payments:
        if p.get("direction") == "sent" and p.get("amount") is not None:
            totals[str(p.get("currency") or "?")] += Decimal(str(p["amount"]))
    return dict(sorted(totals.items()))


def money(totals: dict[str, Decimal]) -> str:
    """Totals per currency as text: ``1,234.50 USD; 80.00 EUR``."""
    return "; ".join(f"{v:,.2f} {c}" for c, v in totals.items()) or "none"


def counterparts(t: TargetDossier) -> list[dict[str, Any]]:
    """Who the target dealt with: each counterpart, role, jurisdiction, sessions, payments."""
    seen: dict[str, dict[str, Any]] = {}

    def one(label: str, role: str | None, where: str | None) -> dict[str, Any]:
        row = seen.setdefault(
            label,
            {
                "counterpart": label,
                "role": role,
                "jurisdiction": where,
                "sessions": 0,
                "payments": 0,
                "first": None,
                "last": None,
            },
        )
        row["role"] = row["role"] or role
        row["jurisdiction"] = row["jurisdiction"] or where
        return row

    for s in t.sessions:
        row = one(s["counterpart"], s.get("counterpart_role"), s.get("counterpart_jurisdiction"))
        row["sessions"] += 1
        _span(row, s.get("start"))
    for p in t.payments:
        where = p.get("counterpart_jurisdiction") or p.get("counterpart_country")
        row = one(p["counterpart"], None, where)
        row["payments"] += 1
        _span(row, p.get("sent_at"))
    return sorted(seen.values(), key=lambda r: (-r["sessions"], -r["payments"], r["counterpart"]))


def _span(row: dict[str, Any], when: str | None) -> None:
    if when:
        row["first"] = min(filter(None, [row["first"], when]))
        row["last"] = max(filter(None, [row["last"], when]))


def session_span(t: TargetDossier) -> tuple[str | None, str | None]:
    """First and last start of the target's paid sessions."""
    starts = sorted(s["start"] for s in t.sessions if s.get("start"))
    return (starts[0], starts[-1]) if starts else (None, None)


def executive_figures(targets: list[TargetDossier]) -> dict[str, Any]:
    """Distinct paid sessions, total spend, networks and facilitators across the targets."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for t in targets:
        for currency, value in spend(t).items():
            totals[currency] += value
    sessions = {s["session_id"] for t in targets for s in t.sessions}
    facilitators = {
        s["counterpart"]
        for t in targets
        for s in t.sessions
        if s.get("counterpart_role") in ("seller", "facilitator")
    }
    return {
        "paid_sessions": len(sessions),
        "spend": {c: f"{v:.2f}" for c, v in sorted(totals.items())},
        "facilitators": len(facilitators),
    }
