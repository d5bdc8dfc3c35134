"""Paid live sessions: a negotiation, a remittance, the live part, and the buyer's login.

A session is an episode of chat between a facilitator's account and a buyer account (cut
at silences of several hours) that holds negotiation or live indicators, joined to the
payments made in its time window that something ties to it:

- the remittance code appears in the chat (the buyer sends "mtcn ..."): near certain;
- the payer is the buyer's own person (resolved identity): strong;
- the payer's person paid this buyer account, and no other, by a code or pickup name: strong;
- the pickup name given in the chat is the payment's receiver: strong;
- the receiver belongs to the facilitator's network and nothing else competes: weak.

Sessions tied by code or by a pickup name with no competing payment reveal which payment
identity is which chat account; those links are fed back into persons.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import pyarrow as pa

from threadline.resolve import sql as resolve_sql
from threadline.signals import sql
from threadline.store.engine import Engine


@dataclass(frozen=True)
class SessionRules:
    """Time windows and thresholds of session detection, audited with every run."""

    gap_hours: int = 3  # silence that ends a chat episode
    before_minutes: int = 60  # payments this long before the episode still count
    after_minutes: int = 60
    login_window_minutes: int = 120
    link_confidence: float = 0.9  # sessions this sure feed payer-account links to persons

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values."""
        return asdict(self)


def confidence(c: dict[str, Any], competitors: int) -> float:
    """How sure it is that a candidate payment belongs to a chat episode.

    ``competitors`` is how many candidate payments of the episode are in the running.
    """
    if c["code_named"]:
        return 0.99
    score = 0.5 if c["receiver_in_network"] and competitors == 1 else 0.3
    if c["payer_is_buyer"]:
        score += 0.35
    elif c.get("payer_known"):
        score += 0.3
    if c["receiver_named"]:
        score += 0.3 if competitors == 1 else 0.15
    if c["lives"]:
        score += 0.1
    return round(min(score, 0.98), 3)


def detect(engine: Engine, rules: SessionRules | None = None) -> dict[str, Any]:
    """Find paid live sessions and store them with the buyer's login IPs.

    Payers that a remittance code or pickup name ties to the buyer account become person
    links for the re-link step. Returns counts of sessions and of those payer links.
    """
    r = rules or SessionRules()
    sql.build_episodes(engine, r.gap_hours)
    sql.build_candidates(engine, r.before_minutes, r.after_minutes)
    hashes = sql.source_hashes(engine)
    by_episode: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in sql.candidates(engine):
        by_episode[str(c["episode_id"])].append(c)
    sessions: list[dict[str, Any]] = []
    links: list[tuple[str, str, float, str]] = []
    for cands in by_episode.values():
        strong = [c for c in cands if _tied(c)]
        chosen = strong or (cands if len(cands) == 1 else [])
        if not chosen:
            continue
        scored = [(confidence(c, len(chosen)), c) for c in chosen]
        best = max(s for s, _ in scored)
        if best < 0.5:
            continue
        first = chosen[0]
        start = first["first_live"] or min(c["sent_at"] for c in chosen)
        buyer_platform, buyer_account = str(first["buyer"]).split(":", 1)
        seller_platform, seller_account = str(first["seller"]).split(":", 1)
        sid = hashlib.sha256(f"{first['buyer']}|{first['seller']}|{start}".encode()).hexdigest()
        evidence = [
            {
                "source_sha256": c["source_sha256"],
                "row": c["row"],
                "table": "payments",
                "note": _why(c),
            }
            for _, c in scored
        ]
        for c in chosen:
            if c.get("payer_known") and c.get("known_by"):
                source_id, row = str(c["known_by"]).rsplit(":", 1)
                evidence.append(
                    {
                        "source_sha256": hashes.get(source_id),
                        "row": int(row),
                        "table": "payments",
                        "note": "payment of the same payer tied to this buyer by code or pickup",
                    }
                )
        for ref in first["hit_rows"] or []:
            source_id, row = str(ref).rsplit(":", 1)
            evidence.append(
                {
                    "source_sha256": hashes.get(source_id),
                    "row": int(row),
                    "table": "messages",
                    "note": "negotiation or live message",
                }
            )
        sessions.append(
            {
                "session_id": "S" + sid[:16],
                "buyer_platform": buyer_platform,
                "buyer_account": buyer_account,
                "seller_platform": seller_platform,
                "seller_account": seller_account,
                "buyer_person": first["buyer_person"],
                "seller_person": first["seller_person"],
                "start": start,
                "end": first["end"],
                "payment_transaction_ids": sorted({str(c["transaction_id"]) for c in chosen}),
                "login_ips": [],
                "confidence": best,
                "evidence": json.dumps(evidence, default=str),
            }
        )
        for s, c in scored:
            tied = c["code_named"] or (c["receiver_named"] and len(chosen) == 1)
            if tied and s >= r.link_confidence and not c["payer_is_buyer"]:
                links.append((str(first["buyer"]), str(c["sender_identity"]), s, _why(c)))
    window = timedelta(minutes=r.login_window_minutes)
    ips = sql.login_ips(
        engine,
        [
            (
                s["session_id"],
                f"{s['buyer_platform']}:{s['buyer_account']}",
                s["start"] - window,
                s["end"] + window,
            )
            for s in sessions
        ],
    )
    for found in sessions:
        found["login_ips"] = ips.get(found["session_id"], [])
    sql.write_sessions(engine, sessions)
    _feed_links(engine, links)
    return {"sessions": len(sessions), "payer_links": len(links)}


def _tied(c: dict[str, Any]) -> bool:
    return bool(
        c["code_named"] or c["payer_is_buyer"] or c["receiver_named"] or c.get("payer_known")
    )


def _why(c: dict[str, Any]) -> str:
    parts = []
    if c["code_named"]:
        parts.append("remittance code named in the chat")
    if c["payer_is_buyer"]:
        parts.append("payer resolved to the buyer")
    if c["receiver_named"]:
        parts.append("pickup name given in the chat")
    if c["receiver_in_network"]:
        parts.append("receiver in the facilitator's network")
    if c.get("payer_known"):
        parts.append("payer's person paid this buyer account alone, by code or pickup name")
    if not _tied(c) and c.get("rivals_elsewhere"):
        parts.append(f"{c['rivals_elsewhere']} other payments of the window tied to other chats")
    return "; ".join(parts)


def _feed_links(engine: Engine, links: list[tuple[str, str, float, str]]) -> None:
    engine.execute("DELETE FROM person_links WHERE rule = 'paid_session'")
    if not links:
        return
    resolve_sql.add_links(
        engine,
        pa.table(
            {
                "a": [a for a, _, _, _ in links],
                "b": [b for _, b, _, _ in links],
                "rule": ["paid_session"] * len(links),
                "confidence": [c for _, _, c, _ in links],
                "selector_type": ["session"] * len(links),
                "value": [why for _, _, _, why in links],
            }
        ),
    )
