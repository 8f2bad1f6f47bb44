"""`sme-warehouse`: the command line used by people and scripts.

- `generate` writes sample landing feeds (optionally with a known, reported set of defects);
- `run` materialises every asset in-process through the same Dagster definitions the UI shows, and exits
  non-zero naming the failed step when anything fails;
- `validate` tells an agency, before it sends a file, which rows ingestion would quarantine and why;
- `explain` lists the firms, projects or consortia behind one KPI number and the source file rows of each.
"""
from __future__ import annotations

import time

STARTED_AT = time.time()      # first thing: the run's start-up is measured from here to its first step

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402


def _generate(args: argparse.Namespace) -> int:
    try:
        from generator import generate
    except ImportError as missing:
        print(f"sme-warehouse generate needs the generator's extra: pip install 'sme-warehouse[generate]' "
              f"({missing})", file=sys.stderr)
        return 2

    summary = generate(Path(args.out), scale=args.scale, seed=args.seed, months=args.months, defects=args.defects,
                       progress=not args.quiet, legacy_layout=args.legacy_layout)
    print(f"generated {args.scale} feeds in {args.out}: {summary}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from ingestion.validate import validate

    report = validate([Path(p) for p in args.paths], feed=args.feed)
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str) if args.json else report.render())
    return report.exit_code


def landing_problem(landing: Path) -> str | None:
    """Why a landing folder cannot be run at all, or None: it must exist and hold at least one feed folder."""
    from ingestion.contracts import CONTRACTS

    if not landing.is_dir():
        return f"landing folder {landing} does not exist"
    feed_folders = [c.landing_subdir for c in CONTRACTS.values()]
    if not any((landing / folder).is_dir() for folder in feed_folders):
        return f"landing folder {landing} holds none of the feed folders {', '.join(feed_folders)}"
    return None


def _run(args: argparse.Namespace) -> int:
    from orchestration.rerun import nothing_new
    from orchestration.settings import Settings, dbt_target

    settings = Settings.resolve(data_dir=args.data_dir, warehouse=args.warehouse, landing=args.landing)
    if (problem := landing_problem(settings.landing)) is not None:
        print(f"sme-warehouse run: {problem}", file=sys.stderr)
        return 2
    if (unchanged := nothing_new(settings, dbt_target())) is not None:
        print(unchanged)
        return 0
    from orchestration.runner import run_warehouse

    outcome = run_warehouse(settings, log_level="INFO" if args.verbose else "WARNING", started_at=STARTED_AT)
    print(outcome.render())
    return 0 if outcome.success else 1


def _explain(args: argparse.Namespace) -> int:
    from orchestration.settings import Settings
    from quality.release import latest_release
    from serving.lineage import explain

    settings = Settings.resolve(data_dir=args.data_dir, warehouse=args.warehouse)
    release_id = args.release
    if release_id is None and not args.candidate:
        latest = latest_release(settings.warehouse)
        if latest is None:
            print("no KPI release has been published yet; use --candidate to explain the unpublished numbers")
            return 1
        release_id = latest.release_id
    try:
        answer = explain(settings.warehouse, args.kpi, args.region, args.quarter, release_id=release_id)
    except LookupError as exc:
        print(exc)
        return 1
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    scope = f"release {release_id}" if release_id else "the unpublished candidate"
    print(f"{args.kpi} {args.region} {args.quarter} in {scope}: {answer.value or 'no such number'}")
    print(f"{len(answer.entities)} entities behind it:")
    for source in answer.sources:
        print(f"  {source.entity_type} {source.entity_id}: {source.source_file} row {source.source_row}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sme-warehouse", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write sample landing feeds")
    gen.add_argument("--out", required=True, help="landing folder to write (firms/, funding/, employment/)")
    gen.add_argument("--scale", choices=("demo", "national", "evaluation"), default="demo")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--months", type=int, default=None, help="employment months, counted back from 2026-06")
    gen.add_argument("--defects", action="store_true", help="inject a known set of bad records and files")
    gen.add_argument("--legacy-layout", action="store_true",
                     help="the older layout: employment/nps_YYYYMM.csv with YYYYMMDD dates, CSV firm lists only")
    gen.add_argument("--quiet", action="store_true", help="no progress bars")
    gen.set_defaults(handler=_generate)

    check = commands.add_parser("validate", help="check feed files as ingestion would, writing nothing",
                                description="Run the loader's parsers and rules on files (or folders) without "
                                            "writing anything. Exit 0: every row would load; 1: some rows would "
                                            "be quarantined; 2: a file cannot be read at all.")
    check.add_argument("paths", nargs="+", metavar="PATH", help="feed files, or folders to search for them")
    check.add_argument("--feed", choices=("firms", "funding", "employment"),
                       help="the feed of every file (default: from its folder, else from its header)")
    check.add_argument("--json", action="store_true", help="print JSON instead of text")
    check.set_defaults(handler=_validate)

    run = commands.add_parser("run", help="materialise every asset in-process")
    run.add_argument("--data-dir", help="folder of every output of the run: warehouse, serving copy, exports, raw "
                                        "zone, reports, dbt target, Dagster instance (default: $SME_DATA_DIR, else "
                                        "the folder of --warehouse, else data/)")
    run.add_argument("--landing", help="landing folder (default: $SME_LANDING_DIR, else <data-dir>/landing)")
    run.add_argument("--warehouse", help="DuckDB file (default: $SME_WAREHOUSE_PATH, else <data-dir>/warehouse.duckdb)")
    run.add_argument("--verbose", action="store_true", help="log every Dagster event, not only warnings and errors")
    run.set_defaults(handler=_run)

    why = commands.add_parser("explain", help="the firms, projects or consortia and source rows behind a KPI number")
    why.add_argument("--kpi", required=True, help="KPI code, e.g. leading_firms")
    why.add_argument("--region", required=True, help="programme region code (e.g. 26) or ALL")
    why.add_argument("--quarter", required=True, help="YYYYQn")
    which = why.add_mutually_exclusive_group()
    which.add_argument("--release", help="release id (default: the latest published release)")
    which.add_argument("--candidate", action="store_true", help="explain the unpublished candidate instead")
    why.add_argument("--data-dir", help="data folder of the warehouse (default: $SME_DATA_DIR or data/)")
    why.add_argument("--warehouse", help="DuckDB file (default: $SME_WAREHOUSE_PATH, else <data-dir>/warehouse.duckdb)")
    why.add_argument("--json", action="store_true", help="print JSON instead of a list")
    why.set_defaults(handler=_explain)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
