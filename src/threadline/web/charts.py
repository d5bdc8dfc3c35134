"""Small server-drawn charts (SVG built from numbers; no script, nothing fetched)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("messages", "payments", "logins")
WIDTH, HEIGHT = 720, 160


@dataclass(frozen=True)
class Bar:
    """One month's segment of one kind in the activity chart, with its hover text."""

    x: float
    y: float
    width: float
    height: float
    kind: str
    title: str


def activity_bars(activity: list[dict[str, Any]]) -> dict[str, Any]:
    """Stacked monthly bars of messages, payments and logins."""
    months = sorted({str(a["month"])[:7] for a in activity})
    if not months:
        return {"bars": [], "width": WIDTH, "height": HEIGHT, "first": None, "last": None}
    per: dict[str, dict[str, int]] = {m: {} for m in months}
    for a in activity:
        per[str(a["month"])[:7]][str(a["kind"])] = int(a["n"])
    top = max(sum(v.values()) for v in per.values()) or 1
    step = WIDTH / len(months)
    bars = []
    for i, m in enumerate(months):
        base = float(HEIGHT)
        for kind in KINDS:
            n = per[m].get(kind, 0)
            if not n:
                continue
            h = max(1.0, (HEIGHT - 10) * n / top)
            base -= h
            bars.append(Bar(i * step, base, max(1.0, step - 1), h, kind, f"{m} {kind}: {n}"))
    return {
        "bars": bars,
        "width": WIDTH,
        "height": HEIGHT,
        "first": months[0],
        "last": months[-1],
        "peak": top,
    }
