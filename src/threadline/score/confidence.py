"""Calibrated buyer confidence: a logistic model over indicator metrics, shipped as data.

The model file (``confidence.yaml``) holds the feature list, the coefficients and where
they came from (synthetic world scale and seed, date, commit); ``bench/calibration.py fit``
writes it and ``bench/calibration.py report`` measures it on another seed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threadline.datafile import load_yaml
from threadline.errors import UsageError

# The indicator metrics the model reads; each enters as log(1 + value), missing as 0.
# Where a person logs in from (VPN, the Philippines) is left out: it says where, not
# whether, someone buys, and travellers are few enough for a fit to learn noise from them.
FEATURES: tuple[str, ...] = (
    "sessions",
    "session_confidence",
    "payments_to_ph",
    "low_value_to_ph",
    "escalating",
    "night_payments",
    "innocuous_narratives",
    "negotiation_messages",
    "paid_sellers",
    "request_sent",
    "live_sent",
    "counterparts",
    "active_days",
)


def feature_values(metrics: Mapping[str, object]) -> list[float]:
    """The model's inputs for one person's metrics, in ``FEATURES`` order."""
    out = []
    for name in FEATURES:
        if name == "escalating":
            slope = metrics.get("amount_slope")
            out.append(1.0 if slope is not None and float(slope) > 0 else 0.0)  # type: ignore[arg-type]
            continue
        v = metrics.get(name)
        out.append(math.log1p(max(0.0, float(v))) if v is not None else 0.0)  # type: ignore[arg-type]
    return out


@dataclass(frozen=True)
class Model:
    """A fitted logistic model: intercept, one coefficient per feature, its provenance."""

    intercept: float
    coefficients: dict[str, float]
    provenance: dict[str, Any]
    origin: str

    def logits(self, metrics: Mapping[str, object]) -> dict[str, float]:
        """Each feature's share of the log-odds for one person (non-zero shares only)."""
        values = dict(zip(FEATURES, feature_values(metrics), strict=True))
        return {
            f: self.coefficients[f] * values[f]
            for f in FEATURES
            if self.coefficients.get(f) and values[f]
        }

    def confidence(self, metrics: Mapping[str, object]) -> float:
        """The calibrated probability that a person with these metrics is a paying buyer."""
        z = self.intercept + sum(self.logits(metrics).values())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def as_dict(self) -> dict[str, Any]:
        """What a run records of the model: origin and provenance."""
        return {"origin": self.origin, "provenance": self.provenance}


def load(path: Path | None = None) -> Model:
    """Load a confidence model file; without a path, the model shipped with Threadline."""
    data, origin = load_yaml(path, "threadline.score", "confidence.yaml", "default confidence")
    try:
        coefficients = {str(k): float(v) for k, v in data["coefficients"].items()}
        unknown = set(coefficients) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}")
        provenance = dict(data["provenance"])
        for key in ("scale", "seed", "fitted_at", "commit"):
            if key not in provenance:
                raise ValueError(f"provenance lacks {key!r}")
        return Model(float(data["intercept"]), coefficients, provenance, origin)
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{origin}: invalid confidence model: {exc}") from None
