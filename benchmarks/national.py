"""Benchmark: a national build on one machine, against the DuckDB floor, taken in one run.

Generates MONTHS + 1 national months (or reuses --landing), then times, each as its own process:
  1. the floor (`benchmarks/floor.py`) on the first MONTHS months;
  2. the full `sme-warehouse run` of those MONTHS months on a fresh data folder;
  3. the monthly increment: the newest month delivered to that warehouse, run again;
  4. a rerun with nothing new.
For each it prints wall seconds and the peak resident memory of the process tree, and for the runs the start-up
(command to first step), each step's seconds and dbt's slowest nodes, with the ratios the targets are stated in, and the release
each run published with its content hash (a speed-up must leave it unchanged). Not a test: machines
are noisy, so read the ratios, which are taken side by side.

    python benchmarks/national.py [--months 12] [--landing DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingestion.files import data_month_of_file  # noqa: E402


def measured(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in GiB (the largest process of the tree) and the output of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{output[-4000:]}")
    return seconds, usage.ru_maxrss / 2**20, output


def steps(output: str) -> dict[str, float]:
    line = next((text for text in output.splitlines() if text.strip().startswith("seconds:")), "")
    return {name: float(value) for name, value in re.findall(r"([\w.-]+) ([\d.]+)", line)}


def dbt_nodes(data: Path, slowest: int = 8) -> str:
    """dbt's own time in the run just made, its node count by kind, and its slowest nodes (from run_results.json)."""
    results = json.loads((data / "dbt_target" / "run_results.json").read_text(encoding="utf-8"))
    kinds: dict[str, int] = {}
    for result in results["results"]:
        kind = result["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    ranked = sorted(results["results"], key=lambda result: -result["execution_time"])[:slowest]
    return (f"dbt {results['elapsed_time']:.1f} s over " + ", ".join(f"{n} {kind}" for kind, n in kinds.items())
            + "; slowest: " + ", ".join(f"{r['unique_id'].split('.')[2][:48]} {r['execution_time']:.1f}" for r in ranked))


def link_landing(source: Path, target: Path, skip: set[Path]) -> None:
    for path in source.rglob("*"):
        if path.is_file() and path not in skip and path.parent != source:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, destination)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12, help="months of the full build (one more is generated)")
    parser.add_argument("--landing", type=Path, help="a national landing folder to reuse (its newest NPS month "
                                                     "becomes the increment)")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "orchestration.cli"]
    with tempfile.TemporaryDirectory(prefix="sme_national_", dir=os.environ.get("SME_BENCH_DIR")) as scratch:
        scratch = Path(scratch)
        landing = args.landing
        if landing is None:
            landing = scratch / "generated"
            seconds, _, _ = measured([*cli, "generate", "--out", str(landing), "--scale", "national",
                                      "--months", str(args.months + 1), "--quiet"])
            print(f"generated {args.months + 1} national months in {seconds:.0f} s")
        employment = sorted((landing / "employment").glob("*.csv"), key=data_month_of_file)
        newest = employment[-1]
        rows = sum(path.read_bytes().count(b"\n") - 1 for path in employment[:-1])
        print(f"full build: {len(employment) - 1} NPS months, {rows:,} employment rows; increment: "
              f"{data_month_of_file(newest)}")
        full_landing, data = scratch / "landing", scratch / "data"
        link_landing(landing, full_landing, skip={newest})

        floor_s, floor_gib, floor_out = measured([sys.executable, "benchmarks/floor.py", str(full_landing),
                                                  str(scratch / "floor.duckdb")])
        run = [*cli, "run", "--data-dir", str(data), "--landing", str(full_landing)]
        full_s, full_gib, full_out = measured(run)
        full_dbt = dbt_nodes(data)
        os.link(newest, full_landing / "employment" / newest.name)
        month_s, month_gib, month_out = measured(run)
        month_dbt = dbt_nodes(data)
        rerun_s, _, rerun_out = measured(run)
        shutil.rmtree(data, ignore_errors=True)

    full_steps, month_steps = steps(full_out), steps(month_out)
    print(f"floor: {floor_s:.1f} s ({floor_out.strip()}), peak RSS {floor_gib:.2f} GiB")
    for name, seconds, gib, figures, dbt in (("full build", full_s, full_gib, full_steps, full_dbt),
                                             ("monthly increment", month_s, month_gib, month_steps, month_dbt)):
        breakdown = ", ".join(f"{step} {value:.1f}" for step, value in figures.items())
        print(f"{name}: {seconds:.1f} s, peak RSS {gib:.2f} GiB; {breakdown}")
        print(f"  {dbt}")
    print(f"rerun with nothing new: {rerun_s:.1f} s; said: {rerun_out.strip().splitlines()[-1][:80]}")
    for name, output in (("full build", full_out), ("monthly increment", month_out)):
        published = next((line.strip() for line in output.splitlines() if "KPI release published" in line), "none")
        print(f"{name}: {published}")     # the content hash a speed-up must leave unchanged
    print()
    table = [
        ("full build / floor", f"{full_s / floor_s:.2f}x", "<= 2x (on the way to 1.5x)", full_s / floor_s <= 2),
        ("monthly increment / full build", f"{month_s / full_s:.1%}", "<= 5 %", month_s / full_s <= 0.05),
        ("peak RSS, full build", f"{full_gib:.2f} GiB", "<= 4 GiB", full_gib <= 4),
        ("start-up to first step", f"{full_steps.get('start-up', float('nan')):.1f} s", "<= 3 s",
         full_steps.get("start-up", 99) <= 3),
        ("rerun with nothing new", f"{rerun_s:.1f} s", "<= 5 s",
         rerun_s <= 5 and rerun_out.startswith("nothing new")),
    ]
    print(f"{'figure':<34}{'measured':>14}  {'target':<28}met")
    for figure, value, target, met in table:
        print(f"{figure:<34}{value:>14}  {target:<28}{'yes' if met else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
