"""Probabilistic linkage of payment identities with Splink (Fellegi-Sunter, trained unsupervised).

The same model links identities on DuckDB or Spark: the engine supplies Splink's database
API; this module only describes the comparisons, the blocking and the training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.internals.exceptions import SplinkException

from threadline.store.engine import Engine

# Pairs at or above this probability are linked. Chosen high on purpose: a wrong merge
# can put an innocent remitter into a suspect's person; a missed merge only costs recall
# and can still be recovered by phones, accounts or paid sessions.
MATCH_THRESHOLD = 0.995
SEED = 20240601


@dataclass(frozen=True)
class LinkageModel:
    """What was linked and how the model was trained, for the audit log."""

    pairs_compared: int
    pairs_linked: int
    threshold: float
    parameters: dict[str, Any]


def _name_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name_sorted"),
            cll.ExactMatchLevel("name_sorted").configure(tf_adjustment_column="name_sorted"),
            cll.JaroWinklerLevel("name_full", 0.94),
            cll.JaroWinklerLevel("name_sorted", 0.90),
            cll.And(cll.ExactMatchLevel("first_mp"), cll.ExactMatchLevel("last_mp")),
            cll.ArrayIntersectLevel("name_tokens", 2),
            cll.ElseLevel(),
        ],
        comparison_description="written name: exact (any order), fuzzy, phonetic, shared tokens",
    )


@dataclass(frozen=True)
class LinkageSpec:
    """A linkage model: comparisons and blocking (as Splink settings) and how to train it."""

    comparisons: tuple[Any, ...]
    blocking: tuple[Any, ...]
    prior_rules: tuple[Any, ...]  # deterministic rules to estimate the match prior
    prior_recall: float
    em_rules: tuple[Any, ...]  # blocking rules for the EM passes
    threshold: float = MATCH_THRESHOLD

    def settings(self, prior: float = 1e-4) -> SettingsCreator:
        """Splink settings for this model, starting from the given match prior."""
        return SettingsCreator(
            link_type="dedupe_only",
            probability_two_random_records_match=prior,
            comparisons=list(self.comparisons),
            blocking_rules_to_generate_predictions=list(self.blocking),
            retain_intermediate_calculation_columns=False,
            retain_matching_columns=False,
        )


PAYMENT_IDENTITIES = LinkageSpec(
    comparisons=(
        _name_comparison(),
        cl.ExactMatch("phone"),
        cl.ExactMatch("account"),
        cl.ExactMatch("country"),
        cl.JaroWinklerAtThresholds("city", [0.9]),
    ),
    blocking=(
        block_on("name_sorted"),
        block_on("phone"),
        block_on("account"),
        block_on("first_mp", "last_mp"),
    ),
    prior_rules=(block_on("phone"), block_on("account"), block_on("name_sorted", "city")),
    prior_recall=0.6,
    em_rules=(block_on("name_sorted"), block_on("phone"), block_on("first_mp", "last_mp")),
)


def link(
    engine: Engine, records: pa.Table, spec: LinkageSpec = PAYMENT_IDENTITIES
) -> tuple[pa.Table, LinkageModel]:
    """Train ``spec`` on ``records`` (``unique_id`` plus feature columns); return linked pairs.

    Returns (unique_id_l, unique_id_r, match_probability) for pairs at or above the spec's
    threshold, and a summary of the model for the audit log.
    """
    empty = pa.table(
        {
            "unique_id_l": pa.array([], pa.string()),
            "unique_id_r": pa.array([], pa.string()),
            "match_probability": pa.array([], pa.float64()),
        }
    )
    if records.num_rows < 3:
        return empty, LinkageModel(0, 0, spec.threshold, {})
    db_api = engine.splink_api()
    source = db_api.register(records)
    linker = Linker(source, spec.settings(), log_level="ERROR")
    linker.training.estimate_probability_two_random_records_match(
        list(spec.prior_rules), recall=spec.prior_recall
    )
    if not linker.misc.save_model_to_json()["probability_two_random_records_match"]:
        # No deterministic match at all (tiny or selector-poor case): keep a small prior.
        linker = Linker(source, spec.settings(1.0 / max(records.num_rows, 2)), log_level="ERROR")
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=SEED)
    for rule in spec.em_rules:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except SplinkException:
            continue  # too few pairs under this rule to train on: the others still train
    table = linker.inference.predict(threshold_match_probability=0.5).as_pyarrow_table()  # type: ignore[no-untyped-call]
    mask = pc.greater_equal(table["match_probability"], spec.threshold)
    linked = table.filter(mask).select(["unique_id_l", "unique_id_r", "match_probability"])
    params = linker.misc.save_model_to_json()
    return linked, LinkageModel(table.num_rows, linked.num_rows, spec.threshold, params)
