"""The one read of a country's targets for its referral package, and the confidence floor.

The package orders targets by the score stage's ``priority``, gates them by its calibrated
``confidence`` and labels the country rank as such. The stored ``country_rank`` counts the
targets at or above the score stage's own floor; a package may use another floor
(``--confidence-floor``), so the rank is counted here among the country's targets at or
above the package's floor, in the same order (the global ``rank``, which follows priority).
Only :func:`targets_for` reads the ``targets`` table for packages.
"""

from __future__ import annotations

from typing import Any

from threadline.store.engine import Rows

# A target below this confidence is not in a package's body: more likely than not a buyer
# is the least a receiving agency should be asked to act on. The annex lists the rest as
# intelligence only.
DEFAULT_FLOOR = 0.5


def targets_for(r: Rows, country: str, floor: float = DEFAULT_FLOOR) -> list[dict[str, Any]]:
    """A country's targets in priority order, those at or above the floor first.

    Each row: ``person_id``, ``rank`` (global, all countries), ``country_rank`` and
    ``country_targets`` (``country_rank`` of ``country_targets`` in this country; None
    below the floor), ``priority``, ``confidence``, ``score``, ``role``, ``country``,
    ``reasons`` (JSON text) and ``above_floor``.
    """
    return r.query_dicts(
        """WITH t AS (
            SELECT person_id, "rank", score, confidence, priority, role,
                   upper(country) AS country, reasons,
                   coalesce(confidence, 0) >= ? AS above_floor
            FROM targets WHERE upper(country) = ?)
        SELECT person_id, "rank",
               CASE WHEN above_floor THEN row_number() OVER (
                   PARTITION BY above_floor
                   ORDER BY priority DESC NULLS LAST, "rank" NULLS LAST, person_id) END
                   AS country_rank,
               count(*) FILTER (WHERE above_floor) OVER () AS country_targets,
               priority, confidence, score, role, country, reasons, above_floor
        FROM t
        ORDER BY above_floor DESC, priority DESC NULLS LAST, "rank" NULLS LAST,
                 confidence DESC NULLS LAST, person_id""",
        [float(floor), country.strip().upper()],
    )


__all__ = ["DEFAULT_FLOOR", "targets_for"]
