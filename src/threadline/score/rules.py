"""Indicator rules as data: load, check and apply the YAML rule file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadline.datafile import load_yaml
from threadline.errors import UsageError
from threadline.score.priority import DESCRIPTIONS, Settings


@dataclass(frozen=True)
class Rule:
    """One indicator rule: the metric it reads, when it fires, its weight and its source."""

    id: str
    metric: str
    weight: float
    description: str
    source: str
    at_least: float | None = None
    above: float | None = None
    per_unit: float = 0.0
    applies_to_foreign: bool = False

    def contribution(self, value: float | None) -> float:
        """This rule's share of the score for a metric value (0 when it does not fire)."""
        if value is None:
            return 0.0
        if self.at_least is not None and value >= self.at_least:
            return min(0.95, self.weight + self.per_unit * (value - self.at_least))
        if self.above is not None and value > self.above:
            return self.weight
        return 0.0


@dataclass(frozen=True)
class RuleSet:
    """A loaded indicator rule file: its rules, thresholds, keyword lists and origin."""

    rules: tuple[Rule, ...]
    low_value_usd: float
    innocuous_narratives: tuple[str, ...]
    hosting_asn_keywords: tuple[str, ...]
    origin: str
    priority: Settings = field(default_factory=lambda: Settings(0.5, {}, ()))

    def as_dict(self) -> dict[str, Any]:
        """What a run records of the rules: origin, low-value limit, metric and weight."""
        return {
            "origin": self.origin,
            "low_value_usd": self.low_value_usd,
            "rules": {r.id: {"metric": r.metric, "weight": r.weight} for r in self.rules},
            "confidence_floor": self.priority.confidence_floor,
            "priority": self.priority.weights,
            "aggravating_categories": list(self.priority.aggravating_categories),
        }


def load(path: Path | None = None) -> RuleSet:
    """Load an indicator rule file; without a path, the default rules shipped with Threadline."""
    data, origin = load_yaml(path, "threadline.score", "indicators.yaml", "default indicators")
    try:
        rules = tuple(
            Rule(
                id=str(r["id"]),
                metric=str(r["metric"]),
                weight=float(r["weight"]),
                description=str(r["description"]),
                source=str(r["source"]),
                at_least=r.get("at_least"),
                above=r.get("above"),
                per_unit=float(r.get("per_unit", 0.0)),
                applies_to_foreign=bool(r.get("applies_to_foreign", False)),
            )
            for r in data["rules"]
        )
        weights = {str(k): float(v) for k, v in (data.get("priority") or {}).items()}
        unknown = set(weights) - set(DESCRIPTIONS)
        if unknown:
            raise ValueError(f"unknown priority components {sorted(unknown)}")
        floor = float(data.get("confidence_floor", 0.5))
        if not 0.0 <= floor <= 1.0:
            raise ValueError(f"confidence_floor {floor} is not a probability")
        settings = Settings(
            floor, weights, tuple(str(c) for c in data.get("aggravating_categories") or ())
        )
        return RuleSet(
            rules,
            float(data["low_value_usd"]),
            tuple(data["innocuous_narratives"]),
            tuple(data["hosting_asn_keywords"]),
            origin,
            settings,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{origin}: invalid indicator rules: {exc}") from None
