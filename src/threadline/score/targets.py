"""Buyer targets and jurisdictions: every contribution listed with the rows behind it.

Three numbers per buyer, kept apart. ``score`` combines the indicator rules that fire as
independent evidence (noisy-OR: 1 - prod(1 - c_i)). ``confidence`` is the calibrated
probability of a paying buyer (``confidence.py``); it gates who is a target. ``priority``
(``priority.py``) orders the targets by harm and urgency. Only persons classified as buyers
are scored; family remitters, hubs and contacts never enter the list.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from threadline.graph import sql as graph_sql
from threadline.score import confidence as confidence_model
from threadline.score import geo, priority
from threadline.score import sql as score_sql
from threadline.score.confidence import Model
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


def score(engine: Engine, rules: RuleSet, model: Model | None = None) -> list[dict[str, Any]]:
    """Score the buyers, gate them by confidence, rank them by priority, store them as targets.

    A rule counts only with rows behind it; rules for foreigners skip persons whose
    country is the Philippines or unknown. Persons below the confidence floor are stored
    without a rank (intelligence only).
    """
    model = model or confidence_model.load()
    settings = rules.priority
    metrics = score_sql.metrics(engine)
    places = jurisdictions(engine)
    chats = graph_sql.chat_evidence(engine)
    sessions = _session_evidence(engine)
    buyers = [p for p, m in metrics.items() if m["role"] == "buyer"]
    rows_of = _RowsOf(engine, buyers)
    facts = score_sql.priority_facts(engine, list(settings.aggravating_categories))
    by_session = _sessions_by_buyer(engine)
    aggravating = score_sql.aggravating_rows_of(
        engine, buyers, list(settings.aggravating_categories)
    )
    rows: list[dict[str, Any]] = []
    for person in buyers:
        m = metrics[person]
        country, country_why = places.get(person, (None, []))
        reasons = _indicator_reasons(rules, m, country, person, rows_of, chats, sessions)
        if not reasons:
            continue
        conf = round(model.confidence(m), 4)
        noisy_or = 1.0
        for r in reasons:
            noisy_or *= 1.0 - r["weight"]
        evidence = {
            "sessions": sessions.get(person, []),
            "by_session": by_session.get(person, []),
            "payments": lambda p=person: rows_of(p, "payments"),
            "ph_logins": lambda p=person: rows_of(p, "ph_logins"),
            "chats": chats.get(person, {}),
            "aggravating": aggravating.get(person, []),
        }
        prio = _priority_reasons(facts.get(person, {}), m, country, settings, evidence)
        rows.append(
            {
                "person_id": person,
                "score": round(1.0 - noisy_or, 4),
                "confidence": conf,
                # expected harm: a doubtful buyer's harm counts only as far as he is a buyer
                "priority": round(conf * sum(r["weight"] for r in prio), 4),
                "country": country,
                "reasons": [
                    *reasons,
                    _confidence_reason(model, m, conf, reasons),
                    *prio,
                    _jurisdiction_reason(country_why, reasons),
                ],
            }
        )
    rows.sort(key=rank_key)
    ranked = [r for r in rows if r["confidence"] >= settings.confidence_floor]
    per_country: dict[str | None, int] = defaultdict(int)
    for rank, r in enumerate(ranked, start=1):
        per_country[r["country"]] += 1
        r["rank"], r["country_rank"] = rank, per_country[r["country"]]
    out = [
        {
            "person_id": r["person_id"],
            "rank": r.get("rank"),
            "score": r["score"],
            "role": "buyer",
            "country": r["country"],
            "reasons": json.dumps(r["reasons"], default=str),
            "priority": r["priority"],
            "confidence": r["confidence"],
            "country_rank": r.get("country_rank"),
        }
        for r in rows
    ]
    score_sql.upgrade_targets(engine)
    score_sql.write_rows(
        engine,
        "targets",
        out,
        [
            "person_id",
            'CAST("rank" AS BIGINT)',
            "score",
            "role",
            "country",
            "reasons",
            "priority",
            "confidence",
            "CAST(country_rank AS BIGINT)",
        ],
    )
    return [r for r in out if r["rank"] is not None]


def rank_key(row: dict[str, Any]) -> tuple[float, float, str]:
    """Order targets by priority (harm and urgency), then by confidence, then by id."""
    return (-float(row["priority"]), -float(row["confidence"]), str(row["person_id"]))


def _indicator_reasons(
    rules: RuleSet,
    m: dict[str, object],
    country: str | None,
    person: str,
    rows_of: _RowsOf,
    chats: dict[str, dict[str, list[dict[str, object]]]],
    sessions: dict[str, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """The indicator rules that fire for a person with rows behind them."""
    reasons = []
    for rule in rules.rules:
        if rule.applies_to_foreign and country in (None, "PH"):
            continue
        c = rule.contribution(_num(m.get(rule.metric)))
        if c <= 0:
            continue
        evidence = _evidence(rows_of, person, rule.id, chats, sessions)
        if not evidence:
            continue  # a reason without rows behind it is not given
        reasons.append(
            {
                "kind": "indicator",
                "signal": rule.id,
                "weight": round(c, 3),
                "description": rule.description,
                "source": rule.source,
                "evidence": evidence,
            }
        )
    return reasons


def _confidence_reason(
    model: Model, m: dict[str, object], conf: float, reasons: list[dict[str, Any]]
) -> dict[str, Any]:
    shares = sorted(model.logits(m).items(), key=lambda kv: -abs(kv[1]))
    text = ", ".join(f"{f} {v:+.2f}" for f, v in shares[:6])
    p = model.provenance
    return {
        "kind": "confidence",
        "signal": "confidence",
        "weight": conf,
        "description": f"calibrated probability of a paying buyer; log-odds shares: {text}",
        "source": f"logistic model fitted on synthetic {p['scale']} seed {p['seed']} "
        f"({p['fitted_at']}, {str(p['commit'])[:12]})",
        "evidence": [row for r in reasons for row in r["evidence"][:1]][:3],
    }


def _jurisdiction_reason(why: list[str], reasons: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "jurisdiction",
        "signal": "jurisdiction",
        "weight": 0.0,
        "description": "; ".join(why),
        "source": "residence evidence",
        "evidence": reasons[0]["evidence"][:1],
    }


def _priority_reasons(
    facts: dict[str, Any],
    m: dict[str, object],
    country: str | None,
    settings: priority.Settings,
    evidence: dict[str, Any],
) -> list[dict[str, Any]]:
    """One reason per priority component that adds points, with the rows behind it."""
    out = []
    for name, value, points in priority.components(facts, m, country, settings):
        rows = _priority_evidence(name, evidence)
        if not rows:
            continue  # a reason without rows behind it is not given
        out.append(
            {
                "kind": "priority",
                "signal": name,
                "weight": points,
                "value": value,
                "description": priority.DESCRIPTIONS[name],
                "source": "priority settings (indicators.yaml)",
                "evidence": rows,
            }
        )
    return out


def _priority_evidence(name: str, ev: dict[str, Any]) -> list[dict[str, Any]]:
    sessions: list[tuple[str | None, str | None, list[dict[str, Any]]]] = ev["by_session"]
    if name == "paid_sessions":
        return list(ev["sessions"])
    if name in ("facilitators", "networks"):
        seen: set[str | None] = set()
        rows = []
        for seller, network, rs in sessions:
            key = seller if name == "facilitators" else network
            if key is not None and key not in seen and rs:
                seen.add(key)
                rows.append(rs[0])
        return rows[:6]
    if name in ("total_spend", "spend_per_session"):
        paid = [r for _, _, rs in sessions for r in rs if r.get("table") == "payments"][:6]
        return paid or list(ev["payments"]())
    if name == "duration":
        return [sessions[0][2][0], sessions[-1][2][0]] if sessions and sessions[0][2] else []
    if name == "recency":
        return sessions[-1][2][:1] if sessions else []
    if name in ("payments", "escalation"):
        return list(ev["payments"]())
    if name == "travel":
        return list(ev["ph_logins"]())
    if name == "negotiation":
        c = ev["chats"]
        return [*c.get("request", []), *c.get("live", [])][:3]
    if name == "aggravating":
        return list(ev["aggravating"])
    return []


def _sessions_by_buyer(
    engine: Engine,
) -> dict[str, list[tuple[str | None, str | None, list[dict[str, Any]]]]]:
    """Buyer -> (facilitator, network, evidence rows) of each session, oldest first."""
    out: dict[str, list[tuple[str | None, str | None, list[dict[str, Any]]]]] = defaultdict(list)
    for buyer, seller, network, evidence in score_sql.sessions_by_buyer(engine):
        out[buyer].append((seller, network, json.loads(evidence)))
    return out


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
