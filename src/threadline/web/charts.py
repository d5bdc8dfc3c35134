"""Small server-drawn charts (SVG built from numbers; no script, nothing fetched)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("messages", "payments", "logins")
WIDTH, HEIGHT = 720, 200
# The plot area inside the SVG: room on the left for the count axis, below for the months.
LEFT, RIGHT, TOP, BOTTOM = 56.0, 712.0, 10.0, 160.0


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
    months = _every_month(months[0], months[-1])  # the whole period: quiet months show as gaps
    per: dict[str, dict[str, int]] = {m: {} for m in months}
    for a in activity:
        per[str(a["month"])[:7]][str(a["kind"])] = int(a["n"])
    top = max(sum(v.values()) for v in per.values()) or 1
    step = (RIGHT - LEFT) / len(months)
    bars = []
    for i, m in enumerate(months):
        base = BOTTOM
        for kind in KINDS:
            n = per[m].get(kind, 0)
            if not n:
                continue
            h = max(1.0, (BOTTOM - TOP) * n / top)
            base -= h
            x = LEFT + i * step
            bars.append(Bar(x, base, max(1.0, step - 1), h, kind, f"{m} {kind}: {n:,}"))
    every = max(1, len(months) // 8)
    return {
        "plot": {"left": LEFT, "right": RIGHT, "top": TOP, "bottom": BOTTOM},
        "yticks": [
            {"y": round(BOTTOM - (BOTTOM - TOP) * f, 1), "label": f"{round(top * f):,}"}
            for f in (0.0, 0.5, 1.0)
        ],
        "xticks": [
            {"x": round(LEFT + (i + 0.5) * step, 1), "label": m}
            for i, m in enumerate(months)
            if i % every == 0
        ],
        "bars": bars,
        "width": WIDTH,
        "height": HEIGHT,
        "first": months[0],
        "last": months[-1],
        "peak": top,
    }


def _every_month(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (both "YYYY-MM"), in order."""
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
