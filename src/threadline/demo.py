"""``make demo``: generate a synthetic operation, analyse it end to end, say where results are."""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from threadline.case import Case


def run(out: Path, scale: str, seed: int) -> None:
    """Generate a synthetic operation, ingest, analyse and export it, then say where results are."""
    from threadline.synth import generate

    console = Console()
    data, case_dir, export = out / "data", out / "case", out / "export"
    for folder in (data, case_dir, export):  # the demo's own outputs only
        shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    with console.status(f"generating a synthetic '{scale}' operation (seed {seed})"):
        generate(data, scale=scale, seed=seed)
    console.print(f"synthetic seized data: {data} (ground truth in {data / 'truth'})")
    with Case.init(case_dir) as case:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("ingesting", total=None)
            reports = case.ingest_manifest(
                data / "manifest.json", on_file=lambda r: bar.advance(task)
            )
        case.analyze(on_stage=lambda name: console.print(f"analysis stage: {name}"))
        case.export(export)
        status = case.status()
        verified = case.verify().ok
        networks = case.networks()
        targets = case.targets(top=10)
    console.print(
        f"ingested {len(reports)} files, analysed in {time.perf_counter() - started:.1f} s"
    )
    for table, n in status.counts.items():
        console.print(f"  {table:<11} {n:>10,}")
    for reason, n in status.quarantine_by_reason.items():
        console.print(f"  quarantined for {reason}: {n}")
    console.print(f"networks: {len(networks)}")
    for net in networks[:5]:
        console.print(f"  {net['network_id']}: {net['summary']}")
    console.print("top targets:")
    for t in targets:
        reasons = ", ".join(
            r["signal"] for r in json.loads(str(t["reasons"])) if r.get("kind") == "priority"
        )
        console.print(
            f"  {t['rank']:>3}. (#{t['country_rank']} in {t['country']}) {t['person_id']} "
            f"priority {t['priority']:.2f} confidence {t['confidence']:.3f}  {reasons}"
        )
    console.print(f"chain of custody verified: {'yes' if verified else 'NO'}")
    console.print(f"case: {case_dir}   (try: threadline targets {case_dir} --top 20)")
    console.print(f"export: {export}/manifest.json")
    console.print(f"ground truth of the synthetic world: {data / 'truth'}")


def main() -> None:
    """Read the demo's options from the command line and run it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("demo"))
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    run(args.out, args.scale, args.seed)


if __name__ == "__main__":
    main()
