"""The one read of a country's targets for its referral package, and the confidence floor.

The package orders targets by priority, gates them by confidence and labels the country
rank as such. Until the score stage stores ``priority``, ``confidence`` and
``country_rank`` itself, this is where they come from: ``score`` stands in for the
confidence, the global ``rank`` for the priority order, and the country rank is counted
here among the country's targets at or above the floor. Only :func:`targets_for` reads the
``targets`` table for packages, so adopting the stored columns changes this one function.
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
            SELECT person_id, "rank", score, score AS confidence,
                   -- no stored priority yet: the order of the global rank stands in
                   CAST(NULL AS DOUBLE) AS priority, role, upper(country) AS country,
                   reasons, coalesce(score, 0) >= ? AS above_floor
            FROM targets WHERE upper(country) = ?)
        SELECT person_id, "rank",
               CASE WHEN above_floor THEN row_number() OVER (
                   PARTITION BY above_floor ORDER BY "rank" NULLS LAST, person_id) END
                   AS country_rank,
               count(*) FILTER (WHERE above_floor) OVER () AS country_targets,
               priority, confidence, score, role, country, reasons, above_floor
        FROM t
        ORDER BY above_floor DESC, "rank" NULLS LAST, person_id""",
        [float(floor), country.strip().upper()],
    )


__all__ = ["DEFAULT_FLOOR", "targets_for"]
