"""Sample-feed generator: writes a landing folder of firm, funding and employment files, as other systems would.

`generate` is the entry point the CLI wraps. The same seed always produces the same bytes. The published layout
(the default) is what the sources ship today: firms/<region>_<YYYY>_batch<NN>.csv or .xlsx (about a third as
Excel workbooks), funding/funding_YYYYMM.jsonl, and employment/국민연금공단_국민연금 가입 사업장 내역_YYYYMMDD.csv
named by the portal's posting date. `legacy_layout=True` writes the older form: CSV firm lists only and
employment/nps_YYYYMM.csv with YYYYMM months, YYYYMMDD dates and 5-digit 시군구 codes. With `defects=True` a
defects_manifest.json at the root names every injected defect; effects_manifest.json at the root always states
the employment effects the generator plants (generator.effects).

A package of its own beside `ingestion/`: it imports the feed contracts (`ingestion.contracts`) and nothing else
of ingestion, so what it writes is held to the same contract the parsers read, and its own dependencies
(numpy, tqdm) are the `generate` extra, not part of the runtime install.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from generator.defects import MANIFEST_NAME, inject_defects
from generator.employment import write_employment_files
from generator.effects import MANIFEST_NAME as EFFECTS_MANIFEST_NAME
from generator.effects import PLANTED_PROGRAMME, LatentPaths, month_index, planted_from, write_manifest
from generator.funding import (
    ProjectFirm, build_events, capital_project_firms, first_payments, write_funding_files,
)
from generator.programme import Designations, designate, write_firm_files
from generator.reference import DESIGNATION_ROUNDS, SCALES, Seeds, window_months
from generator.workplaces import WorkplacePool, build_pool

FEEDS = ("firms", "funding", "employment")


def _enrolled_through_designation(pool: WorkplacePool, designations: Designations,
                                  project_firms: list[ProjectFirm], months: list[dt.date]) -> None:
    """Programme workplaces are enrolled when the first designation round opens; from then on they withdraw at the
    ordinary hazard (their exit month, drawn from the window start, is counted from that round instead)."""
    shift = max(0, month_index(months, DESIGNATION_ROUNDS[0]))
    workplaces = [firm.workplace for firm in designations.firms if firm.workplace is not None]
    workplaces += [firm.workplace for firm in project_firms]
    pool.exit[np.array(workplaces, dtype=np.int64)] += shift


def generate(out_dir: Path, scale: str = "demo", seed: int = 42, months: int | None = None,
             defects: bool = False, progress: bool = True, legacy_layout: bool = False) -> dict:
    """Write a landing folder; returns files and rows per feed and the defects injected.

    `scale` is "demo" (about 430 programme firms, 2,600 workplaces a month) or "national" (about 10,300 firms,
    600,000 workplaces a month). `months` counts employment and funding months back from 2026-06 (default 40
    for demo, 60 for national); the designation timeline (2023-05 onwards) does not depend on it.
    `legacy_layout` changes how files are named and written, not what they hold: a seed simulates the same firms,
    payments and workplaces in either layout.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {sorted(SCALES)}")
    settings = SCALES[scale]
    n_months = settings.default_months if months is None else months
    if n_months < 1:
        raise ValueError("months must be at least 1")
    out_dir = Path(out_dir)
    for feed in FEEDS:
        folder = out_dir / feed
        if folder.exists() and any(folder.iterdir()):
            raise FileExistsError(f"{folder} already holds files; generate into an empty landing folder")
    for manifest_name in (MANIFEST_NAME, EFFECTS_MANIFEST_NAME):
        if (out_dir / manifest_name).exists():
            raise FileExistsError(f"{out_dir / manifest_name} already exists; generate into an empty landing folder")
    for feed in FEEDS:
        (out_dir / feed).mkdir(parents=True, exist_ok=True)

    def stream(number: int) -> np.random.Generator:
        return np.random.default_rng([seed, number])

    seeds = Seeds()
    window = window_months(n_months)
    pool = build_pool(stream(1), seeds.regions, seeds.sigungu_moves, settings, window)
    designations, pool = designate(stream(2), seeds, settings, pool)
    project_firms = capital_project_firms(stream(8), seeds, settings, pool, designations)
    _enrolled_through_designation(pool, designations, project_firms, window)
    paths = LatentPaths(stream(10), pool, window)
    written = {"firms": write_firm_files(stream(3), seeds, designations, out_dir, legacy_layout)}
    events = build_events(stream(4), seeds, settings, designations, project_firms, paths)
    written["funding"] = write_funding_files(stream(6), events, window, out_dir)
    workplaces_by_brn = {firm.brn: firm.workplace for firm in designations.firms if firm.workplace is not None}
    planted_start = planted_from(len(pool), workplaces_by_brn, first_payments(events, PLANTED_PROGRAMME), window)
    written["employment"] = write_employment_files(stream(7), seed, seeds, paths, planted_start, window, out_dir,
                                                   progress, legacy_layout)
    effects = write_manifest(out_dir)
    manifest = inject_defects(stream(9), seeds, designations, out_dir, written) if defects else []

    defect_counts: dict[str, int] = {}
    for entry in manifest:
        defect_counts[entry["defect"]] = defect_counts.get(entry["defect"], 0) + 1
    return {
        "out_dir": str(out_dir),
        "scale": scale,
        "seed": seed,
        "layout": "legacy" if legacy_layout else "published",
        "months": [f"{window[0]:%Y-%m}", f"{window[-1]:%Y-%m}"],
        "programme_firms": len(designations.firms),
        "files": {feed: len(files) for feed, files in written.items()},
        "rows": {feed: sum(f.rows for f in files) for feed, files in written.items()},
        "defects": defect_counts,
        "effects": effects,
    }
