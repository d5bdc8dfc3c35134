"""Buyer risk scores and jurisdictions: every contribution listed with the rows behind it.

The score combines the rules that fire as independent pieces of evidence (noisy-OR:
1 - prod(1 - c_i)), so each reason's contribution is visible and no single weak indicator
can make a target. Only persons classified as buyers are scored; family remitters, hubs
and contacts never enter the list however many indicators they trip.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from threadline.graph import sql as graph_sql
from threadline.score import geo
from threadline.score import sql as score_sql
from threadline.score.rules import RuleSet
from threadline.store.engine import Engine

# How much each kind of residence evidence weighs when choosing a buyer's jurisdiction.
RESIDENCE_WEIGHT = {
    "account country": 3.0,
    "phone": 3.0,
    "payment sender country": 1.0,
    "home login address": 0.5,
}


def jurisdictions(engine: Engine) -> dict[str, tuple[str, list[str]]]:
    """Person -> (country, reasons) from residence evidence, ignoring VPN exits and travel."""
    votes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    why: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for person, country, kind, n in score_sql.residence_votes(engine):
        votes[person][country] += RESIDENCE_WEIGHT[kind] * min(n, 5)
        why[person][country].append(f"{kind} {country} ({n})")
    for person, phone in score_sql.person_phones(engine):
        region = geo.phone_country(phone)
        if region:
            votes[person][region] += RESIDENCE_WEIGHT["phone"]
            why[person][region].append(f"phone {phone[:4]}… ({region})")
    out = {}
    for person, counts in votes.items():
        foreign = {c: v for c, v in counts.items() if c != "PH"}
        pool = foreign or counts  # a foreign person's Philippine traces are travel
        best = max(sorted(pool), key=lambda c: pool[c])
        out[person] = (best, why[person][best])
    return out


def score(engine: Engine, rules: RuleSet) -> list[dict[str, Any]]:
    """Score and rank the buyers by the indicator rules and store them as targets.

    A rule counts only with rows behind it; rules for foreigners skip persons whose
    country is the Philippines or unknown.
    """
    metrics = score_sql.metrics(engine)
    places = jurisdictions(engine)
    chats = graph_sql.chat_evidence(engine)
    sessions = _session_evidence(engine)
    rows_of = _RowsOf(engine, [p for p, m in metrics.items() if m["role"] == "buyer"])
    rows: list[dict[str, Any]] = []
    for person, m in metrics.items():
        if m["role"] != "buyer":
            continue
        country, country_why = places.get(person, (None, []))
        reasons = []
        remaining = 1.0
        for rule in rules.rules:
            if rule.applies_to_foreign and country in (None, "PH"):
                continue
            c = rule.contribution(_num(m.get(rule.metric)))
            if c <= 0:
                continue
            evidence = _evidence(rows_of, person, rule.id, chats, sessions)
            if not evidence:
                continue  # a reason without rows behind it is not given
            remaining *= 1.0 - c
            reasons.append(
                {
                    "signal": rule.id,
                    "weight": round(c, 3),
                    "description": rule.description,
                    "source": rule.source,
                    "evidence": evidence,
                }
            )
        if not reasons:
            continue
        rows.append(
            {
                "person_id": person,
                "score": round(1.0 - remaining, 4),
                "role": "buyer",
                "country": country,
                "reasons": reasons,
                "jurisdiction": country_why,
                "sessions": int(_num(m.get("sessions")) or 0),
            }
        )
    rows.sort(key=rank_key)
    out = []
    for rank, r in enumerate(rows, start=1):
        reasons = r["reasons"] + [
            {
                "signal": "jurisdiction",
                "weight": 0.0,
                "description": "; ".join(r["jurisdiction"]),
                "source": "residence evidence",
                "evidence": r["reasons"][0]["evidence"][:1],
            }
        ]
        out.append(
            {
                "person_id": r["person_id"],
                "rank": rank,
                "score": r["score"],
                "role": "buyer",
                "country": r["country"],
                "reasons": json.dumps(reasons, default=str),
            }
        )
    score_sql.write_rows(
        engine, "targets", out, ["person_id", '"rank"', "score", "role", "country", "reasons"]
    )
    return out


# Scores this close are equally certain: the evidence, not its volume, decided them.
SCORE_BAND = 0.01


def rank_key(row: dict[str, Any]) -> tuple[float, int, float, str]:
    """Order targets by certainty, then by how many paid sessions they bought.

    Contributions are capped, so every buyer with a handful of paid sessions and the usual
    payment indicators scores near 1; in a larger or longer case that is hundreds of
    buyers, and the order among them would follow minor indicators. Among equally certain
    targets (scores within one band) the one with more paid sessions comes first.
    """
    band = round(float(row["score"]) / SCORE_BAND)
    return (-band, -int(row.get("sessions", 0)), -float(row["score"]), str(row["person_id"]))


def _num(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]


def _session_evidence(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for person, evidence in engine_sessions(engine):
        if len(out[person]) < 6:
            out[person].extend(json.loads(evidence)[:2])
    return out


def engine_sessions(engine: Engine) -> list[tuple[str, str]]:
    """Each session's evidence by buyer person, most confident session first."""
    return score_sql.session_evidence(engine)


class _RowsOf:
    """Evidence rows of every buyer, fetched once per kind on first use."""

    def __init__(self, engine: Engine, persons: list[str]) -> None:
        self.engine, self.persons = engine, persons
        self.kinds: dict[str, dict[str, list[dict[str, object]]]] = {}

    def __call__(self, person: str, kind: str) -> list[dict[str, object]]:
        if kind not in self.kinds:
            self.kinds[kind] = score_sql.evidence_rows_of(self.engine, self.persons, kind)
        return self.kinds[kind].get(person, [])


def _evidence(
    rows_of: _RowsOf,
    person: str,
    rule: str,
    chats: dict[str, dict[str, list[dict[str, object]]]],
    sessions: dict[str, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    if rule == "paid_sessions":
        return sessions.get(person, [])
    if rule == "negotiation":
        c = chats.get(person, {})
        return [*c.get("request", []), *c.get("live", [])][:3]
    if rule == "vpn_or_hosting":
        return rows_of(person, "hosting_logins")
    if rule == "travel_to_philippines":
        return rows_of(person, "ph_logins")
    return rows_of(person, "payments")
