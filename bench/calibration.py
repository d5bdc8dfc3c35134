"""Fit the buyer-confidence model on one synthetic world; measure it on another.

    .venv/bin/python bench/calibration.py fit --scale small --seed 11
    .venv/bin/python bench/calibration.py report --scale small --seed 7

``fit`` generates and analyses a world (or reads ``--case``/``--data`` already analysed),
labels every person the case classifies as a buyer with the truth (1 = a truth buyer who
paid for at least one session), fits a logistic regression (Newton's method, small L2
penalty) over ``threadline.score.confidence.FEATURES`` and writes
``src/threadline/score/confidence.yaml`` with its provenance. ``report`` prints the Brier
score and a 10-bin reliability table of the shipped model on another world.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from threadline import Case
from threadline.score import confidence as model_file
from threadline.score import sql as score_sql
from truth import analysed_world, load, our_accounts, truth_accounts

MODEL = Path(__file__).resolve().parents[1] / "src" / "threadline" / "score" / "confidence.yaml"
L2 = 1.0


def session_payers(synth: Path) -> dict[str, str]:
    """Truth session payment transaction id -> the truth buyer who paid it."""
    accounts = truth_accounts(synth)
    out = {}
    for s in load(synth / "truth" / "sessions.jsonl"):
        b = s["buyer"]
        person = accounts.get(f"{b['platform'].strip().lower()}:{b['account_id'].strip().lower()}")
        if person and person["role"] == "buyer":
            for tx in s["payment_transaction_ids"]:
                out[str(tx)] = person["person_id"]
    return out


def paying_buyers(synth: Path) -> set[str]:
    """Truth persons who are buyers and paid for at least one session."""
    return set(session_payers(synth).values())


def truth_of_ours(case: Case, synth: Path) -> dict[str, set[str]]:
    """Our person -> the truth persons whose accounts or session payments it holds.

    Payment identities carry no truth id; a person holding the sender identity of a truth
    session's payment is that session's buyer.
    """
    ours = our_accounts(case)
    out: dict[str, set[str]] = {}
    for key, person in truth_accounts(synth).items():
        if key in ours:
            out.setdefault(ours[key], set()).add(person["person_id"])
    payers = session_payers(synth)
    for person, tx in case.engine.query(
        f"""SELECT DISTINCT m.person_id, p.transaction_id FROM payments p
            JOIN person_members m ON m.member_key = {score_sql.SENDER}"""
    ):
        if str(tx) in payers:
            out.setdefault(str(person), set()).add(payers[str(tx)])
    return out


def labelled(case: Case, synth: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Every person the case scores: ids, feature matrix, truth labels."""
    metrics = score_sql.metrics(case.engine)
    payers = paying_buyers(synth)
    truth = truth_of_ours(case, synth)
    scored = {str(r[0]) for r in case.engine.query("SELECT person_id FROM targets")}
    ids = sorted(p for p, m in metrics.items() if m["role"] == "buyer" and p in scored)
    x = np.array([model_file.feature_values(metrics[p]) for p in ids], dtype=float)
    y = np.array([1.0 if truth.get(p, set()) & payers else 0.0 for p in ids])
    return ids, x, y


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> np.ndarray:
    """Intercept and coefficients by Newton's method with an L2 penalty (not on the intercept)."""
    a = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(a.shape[1])
    penalty = np.full(a.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -50, 50)))
        grad = a.T @ (p - y) + penalty * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    """Per probability decile: count, mean predicted, observed share of paying buyers."""
    out = []
    edges = np.linspace(0, 1, bins + 1)
    for i in range(bins):
        inside = (p >= edges[i]) & ((p < edges[i + 1]) if i < bins - 1 else (p <= 1))
        n = int(inside.sum())
        out.append(
            {
                "bin": f"{edges[i]:.1f}-{edges[i + 1]:.1f}",
                "n": n,
                "predicted": round(float(p[inside].mean()), 3) if n else None,
                "observed": round(float(y[inside].mean()), 3) if n else None,
            }
        )
    return out


def brier(p: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of the probabilities."""
    return float(np.mean((p - y) ** 2)) if len(p) else 0.0


@contextmanager
def world(opts: argparse.Namespace) -> Iterator[tuple[Path, Case]]:
    """An analysed world: the one given by ``--case``/``--data``, or a fresh one."""
    if opts.case:
        with Case.open(Path(opts.case)) as case:
            yield Path(opts.data), case
        return
    with analysed_world(opts.scale, opts.seed) as (synth, case, _):
        yield synth, case


def commit() -> str:
    """The commit of the tree the model is fitted from (``unknown`` outside git)."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def fit(opts: argparse.Namespace) -> None:
    with world(opts) as (synth, case):
        ids, x, y = labelled(case, synth)
    w = fit_logistic(x, y)
    p = 1.0 / (1.0 + np.exp(-(w[0] + x @ w[1:])))
    doc = {
        "version": 1,
        "intercept": round(float(w[0]), 6),
        "coefficients": {
            f: round(float(c), 6) for f, c in zip(model_file.FEATURES, w[1:], strict=True)
        },
        "provenance": {
            "scale": opts.scale,
            "seed": opts.seed,
            "fitted_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "commit": commit(),
            "population": "persons the case scores (buyers with an indicator backed by rows)",
            "label": "truth buyer with at least one paid session",
            "persons": len(ids),
            "positives": int(y.sum()),
            "l2": L2,
            "training_brier": round(brier(p, y), 4),
            "script": "bench/calibration.py fit",
        },
    }
    header = (
        "# Buyer-confidence model (logistic). Written by bench/calibration.py fit; do not edit.\n"
    )
    MODEL.write_text(header + json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(doc, indent=2))


def measure(case: Case, synth: Path) -> dict[str, Any]:
    """Brier score and reliability of the shipped model on an analysed world."""
    model = model_file.load()
    metrics = score_sql.metrics(case.engine)
    ids, _, y = labelled(case, synth)
    p = np.array([model.confidence(metrics[i]) for i in ids])
    return {
        "model_seed": model.provenance["seed"],
        "persons": len(ids),
        "positives": int(y.sum()),
        "brier": round(brier(p, y), 4),
        "reliability": reliability(p, y),
    }


def report(opts: argparse.Namespace) -> None:
    with world(opts) as (synth, case):
        result = {"scale": opts.scale, "seed": opts.seed, **measure(case, synth)}
    print(json.dumps({k: v for k, v in result.items() if k != "reliability"}, indent=2))
    print(f"{'bin':<10}{'n':>6}{'predicted':>11}{'observed':>10}")
    for b in result["reliability"]:
        pred = "-" if b["predicted"] is None else f"{b['predicted']:.3f}"
        obs = "-" if b["observed"] is None else f"{b['observed']:.3f}"
        print(f"{b['bin']:<10}{b['n']:>6}{pred:>11}{obs:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["fit", "report"])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--case", help="an analysed case of that world (skips generating)")
    parser.add_argument("--data", help="the synthetic data (with truth/) of --case")
    opts = parser.parse_args()
    fit(opts) if opts.command == "fit" else report(opts)


if __name__ == "__main__":
    main()
