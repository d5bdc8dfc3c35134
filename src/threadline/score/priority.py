"""Priority among confident targets: harm and urgency points, each a reason with its rows.

Confidence says how sure we are that a person is a buyer; priority says whom to act on
first. Priority is the confidence times the sum of points for what the evidence shows of
harm and urgency (expected harm): paid sessions, distinct facilitators and networks, total
and per-session spend, how long and how recently the person bought, escalation, travel to
the Philippines (contact-offending risk) and chat messages a pack marks as aggravating. The
weights are data (``indicators.yaml``, ``priority``); every component that adds points is
listed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# What each component measures and how its value becomes points (before its weight).
DESCRIPTIONS = {
    "paid_sessions": "paid live sessions detected; points ln(1 + sessions)",
    "facilitators": "distinct facilitators paid for sessions; points ln(facilitators)",
    "networks": "distinct networks of those facilitators; points ln(networks)",
    "total_spend": "USD paid for the detected sessions or sent to the Philippines, whichever"
    " is more; points ln(1 + USD / 100)",
    "spend_per_session": "USD per paid session; points ln(1 + USD per session / 50)",
    "payments": "payments to the Philippines, detected as sessions or not; points ln(1 + n)",
    "negotiation": "messages asking facilitators for sessions; points ln(1 + n)",
    "duration": "days from the first to the last paid session; points ln(1 + days / 30)",
    "recency": "days from the last paid session to the case's latest; points exp(-days / 180)",
    "escalation": "amounts paid to facilitators and mules rise over the span by this share of"
    " their mean (fitted); points min(rise, 3)",
    "travel": "a foreign buyer logged in from the Philippines (contact-offending risk); points 1",
    "aggravating": "chat messages a pack marks as aggravating; points ln(1 + messages)",
}


@dataclass(frozen=True)
class Settings:
    """The confidence floor, the weight of each priority component, aggravating categories."""

    confidence_floor: float
    weights: dict[str, float]
    aggravating_categories: tuple[str, ...]


def components(
    facts: Mapping[str, Any],
    metrics: Mapping[str, object],
    country: str | None,
    settings: Settings,
) -> list[tuple[str, float, float]]:
    """(component, measured value, points) for each component that adds points.

    A person with neither a paid session nor a payment to the Philippines gets none: chats
    alone (a window shopper) never outrank a payer.
    """
    if not facts.get("sessions") and not _int(metrics.get("payments_to_ph")):
        return []
    sessions = int(facts.get("sessions") or 0)
    usd = float(facts.get("usd") or 0.0)
    spent = max(usd, float(facts.get("ph_usd") or 0.0))
    first, last, end = facts.get("first_at"), facts.get("last_at"), facts.get("case_end")
    rise = float(facts.get("growth") or 0.0)
    ph_logins = int(metrics.get("ph_logins") or 0)  # type: ignore[call-overload]
    values: dict[str, tuple[float, float]] = {
        "paid_sessions": (sessions, math.log1p(sessions)),
        "facilitators": (f := int(facts.get("facilitators") or 0), math.log(max(f, 1))),
        "networks": (n := int(facts.get("networks") or 0), math.log(max(n, 1))),
        "total_spend": (round(spent, 2), math.log1p(spent / 100.0)),
        "spend_per_session": (
            round(usd / sessions, 2) if sessions else 0.0,
            math.log1p(usd / sessions / 50.0) if sessions else 0.0,
        ),
        "payments": (q := _int(metrics.get("payments_to_ph")), math.log1p(q)),
        "negotiation": (g := _int(metrics.get("negotiation_messages")), math.log1p(g)),
        "duration": (d := _days(first, last), math.log1p(d / 30.0) if sessions else 0.0),
        "recency": (r := _days(last, end), math.exp(-r / 180.0) if sessions else 0.0),
        "escalation": (round(rise, 4), min(max(rise, 0.0), 3.0)),
        "travel": (ph_logins, 1.0 if ph_logins and country not in (None, "PH") else 0.0),
        "aggravating": (a := int(facts.get("aggravating") or 0), math.log1p(a)),
    }
    out = []
    for name, (value, raw) in values.items():
        points = settings.weights.get(name, 0.0) * raw
        if points > 0:
            out.append((name, float(value), round(points, 4)))
    return out


def _int(v: object) -> int:
    return int(v or 0)  # type: ignore[call-overload,no-any-return]


def _days(a: object, b: object) -> float:
    if not isinstance(a, datetime) or not isinstance(b, datetime):
        return 0.0
    return max(0.0, (b - a).total_seconds() / 86400.0)
