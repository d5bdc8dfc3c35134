"""Roles of persons — facilitator, buyer, mule, benign hub, other — each with its reasons.

Rules over behaviour that holds in real cases: sellers quote prices to many different
people who came to them; buyers ask sellers for sessions or pay them; mules receive the
money of several buyers without negotiating; hubs talk to many people with no payment or
negotiation pattern. Thresholds are parameters, recorded with every run.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from threadline.graph import sql
from threadline.store.engine import Engine

ROLES = ("facilitator", "buyer", "mule", "hub", "other")
# Roles as the export contract names them.
CONTRACT_ROLE = {"facilitator": "facilitator", "buyer": "buyer"}


@dataclass(frozen=True)
class RoleRules:
    """Thresholds of the role rules, audited with every run."""

    min_price_partners: int = 1  # distinct people a seller quoted prices to
    min_requesters: int = 2  # distinct people who asked a seller for a session
    min_buyer_senders_for_mule: int = 2  # distinct buyers paying one non-negotiating receiver
    hub_min_counterparts: int = 15

    def as_dict(self) -> dict[str, Any]:
        """The thresholds as plain JSON values."""
        return asdict(self)


@dataclass
class Decision:
    """The role found for one person, how sure it is, why, and the records that show it."""

    role: str = "other"
    confidence: float = 0.5
    reasons: list[str] | None = None
    evidence: list[dict[str, object]] | None = None


def classify(engine: Engine, rules: RoleRules | None = None) -> dict[str, Decision]:
    """Give every person a role by the rules, with reasons and evidence records."""
    r = rules or RoleRules()
    feats = {str(f["person_id"]): f for f in sql.features(engine)}
    chats = sql.chat_evidence(engine)
    pays = sql.payment_evidence(engine)
    out = {p: Decision(reasons=[], evidence=[]) for p in feats}
    msg_nbrs: dict[str, set[str]] = defaultdict(set)
    pay_in: dict[str, set[str]] = defaultdict(set)
    pay_out: dict[str, set[str]] = defaultdict(set)
    for a, b, kind, _, _ in sql.edges(engine, ("message", "payment")):
        if kind == "message":
            msg_nbrs[a].add(b)
            msg_nbrs[b].add(a)
        else:
            pay_out[a].add(b)
            pay_in[b].add(a)

    def n(p: str, col: str) -> int:
        return int(feats[p][col] or 0)  # type: ignore[call-overload, no-any-return]

    # 1. Facilitators: several people came to them asking for sessions, and they named a
    #    price. Buyers name prices too ("ok [PRICE] is fine") but nobody asks them.
    for p in feats:
        price, asked = n(p, "price_sent"), n(p, "request_received")
        if asked >= r.min_requesters and price >= r.min_price_partners:
            d = out[p]
            d.role = "facilitator"
            d.confidence = min(1.0, 0.6 + 0.05 * (price + asked))
            d.reasons = [
                f"asked for sessions by {asked} people",
                f"quoted prices to {price} people",
                f"{n(p, 'initiated_by_others')} people started the conversation",
            ]
            if n(p, "ph_signals"):
                d.reasons.append("Philippine phone or account")
            d.evidence = chats.get(p, {}).get("price", []) + chats.get(p, {}).get("live", [])
    sellers = {p for p, d in out.items() if d.role == "facilitator"}
    # 2. Buyers by chat: asked a facilitator for a session, joined one, or were quoted a
    #    price by one (window shoppers who walked away are buyers too).
    asked_sellers: dict[str, set[str]] = defaultdict(set)
    quoted_by: dict[str, set[str]] = defaultdict(set)
    for a, b, category, _ in sql.hit_edges(engine):
        if b in sellers and category in ("request", "live"):
            asked_sellers[a].add(b)
        if a in sellers and category in ("price", "payment_logistics"):
            quoted_by[b].add(a)
    for p in feats:
        if p in sellers or not (asked_sellers[p] or quoted_by[p]):
            continue
        d = out[p]
        d.role = "buyer"
        d.confidence = min(1.0, 0.6 + 0.1 * len(asked_sellers[p] | quoted_by[p]))
        d.reasons = []
        if asked_sellers[p]:
            d.reasons.append(f"asked {len(asked_sellers[p])} facilitator(s) for sessions")
        if quoted_by[p]:
            d.reasons.append(f"quoted a price or payment details by {len(quoted_by[p])}")
        d.evidence = chats.get(p, {}).get("request", []) + chats.get(p, {}).get("live", [])
        if not d.evidence:
            d.evidence = _received(engine, p)
    buyers = {p for p, d in out.items() if d.role == "buyer"}
    # 3. Mules: receive from several buyers and never negotiate.
    for p in feats:
        if p in sellers or p in buyers:
            continue
        paying = pay_in[p] & buyers
        if len(paying) >= r.min_buyer_senders_for_mule or (paying and msg_nbrs[p] & sellers):
            d = out[p]
            d.role = "mule"
            d.confidence = min(1.0, 0.5 + 0.1 * len(paying))
            d.reasons = [f"received money from {len(paying)} buyers without negotiating"]
            d.evidence = pays.get(p, {}).get("receiver", [])
    mules = {p for p, d in out.items() if d.role == "mule"}
    # 4. Money into a network without negotiation: from abroad it is a buyer's; from inside
    #    the Philippines it is a pickup forwarding to the facilitator (a mule).
    for p in feats:
        if out[p].role != "other":
            continue
        paid = pay_out[p] & (sellers | mules)
        if not paid:
            continue
        d = out[p]
        if n(p, "ph_signals") and not n(p, "foreign_signals"):
            d.role = "mule"
            d.confidence = 0.6
            d.reasons = [
                f"forwarded money to {len(paid)} facilitator(s) or mule(s) from inside "
                "the Philippines"
            ]
        else:
            d.role = "buyer"
            d.confidence = min(1.0, 0.5 + 0.1 * len(paid))
            d.reasons = [f"paid {len(paid)} facilitator(s) or mule(s) from abroad"]
        d.evidence = pays.get(p, {}).get("sender", [])
    # 5. Benign hubs: many contacts, no negotiation, no payment pattern.
    for p in feats:
        if out[p].role == "other" and n(p, "counterparts") >= r.hub_min_counterparts:
            out[p].role = "hub"
            out[p].reasons = [f"{n(p, 'counterparts')} contacts, no negotiation or payments"]
    return out


def _received(engine: Engine, person: str) -> list[dict[str, object]]:
    return sql.received_hits(engine, person, ("price", "payment_logistics"))


def write(engine: Engine, decisions: dict[str, Decision]) -> dict[str, int]:
    """Store the roles, an analyst's override taking precedence; returns counts per role."""
    overrides = sql.role_overrides(engine)
    rows = []
    for p, d in sorted(decisions.items()):
        role, reasons, overridden = d.role, list(d.reasons or []), False
        if p in overrides:
            role, why = overrides[p]
            reasons = [f"analyst: {why}", *reasons]
            overridden = True
        rows.append(
            {
                "person_id": p,
                "role": role,
                "confidence": 1.0 if overridden else d.confidence,
                "reasons": json.dumps(reasons),
                "evidence": json.dumps(d.evidence or []),
                "overridden": overridden,
            }
        )
    sql.write_roles(engine, rows)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[str(row["role"])] += 1
    return dict(counts)
