"""What the generator plants for the outcome evaluation to find: the latent headcount paths, selection on pre-growth
and a known employment effect of one programme and none of another.

- Latent paths: every workplace's log headcount, month by month, from its own drift plus noise (a share of
  workplaces are fast growers). Drawn once for the whole window before any payment is decided, so that
  participation can depend on what the file will show before it.
- Selection on pre-growth: a firm whose headcount in the month before its start grew by 25 % or more over the
  12 months before (what the warehouse's history band `grew` at -12 months sees) joins the planted and the
  zero-effect programme at SELECTION_ODDS times the programme's usual rate (at most always), any other firm at
  the usual rate divided by SELECTION_ODDS. Fast growers are over-represented among them, so a comparison that
  ignores employment history is biased upwards; within the history bands selection depends on nothing else, so
  matching on them removes the bias.
- Planted effect: PLANTED_JOBS[code] extra jobs at +12 months after the baseline month (the month before the
  programme's first payment), reached in a straight line from baseline and held afterwards (half of it at +6, all
  of it at +24); the zero-effect programme adds nothing. Each firm may take only one of the two (a coin independent
  of growth decides which it may take), so neither estimate is contaminated by the other programme. Other
  programmes add nothing either.
`effects_manifest.json`, written at the landing folder's root, states these values for the tests to compare with.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from generator.workplaces import WorkplacePool

MANIFEST_NAME = "effects_manifest.json"
MONTHLY_NOISE = 0.02        # standard deviation of a workplace's monthly log-size shock
PLANTED_PROGRAMME = "TALENT"
ZERO_EFFECT_PROGRAMME = "EXPORT"
PLANTED_JOBS = {PLANTED_PROGRAMME: 2.0, ZERO_EFFECT_PROGRAMME: 0.0}
RAMP_MONTHS = 12            # the planted effect is reached this many months after baseline
SELECTED_PROGRAMMES = frozenset(PLANTED_JOBS)
SELECTION_ODDS = 3.0        # a firm that grew before its start joins at 3x the usual rate, any other at 1/3
GREW_RATIO = 1.25           # baseline >= 1.25 x headcount 12 months earlier: the warehouse's band `grew`
NOT_TREATED = np.iinfo(np.int64).max


def month_index(months: list[dt.date], day: dt.date) -> int:
    """Window month index of the month `day` falls in (may lie outside the window)."""
    return (day.year - months[0].year) * 12 + day.month - months[0].month


class LatentPaths:
    """Log headcount of every workplace in every window month, without any programme effect."""

    def __init__(self, rng: np.random.Generator, pool: WorkplacePool, months: list[dt.date]):
        self.pool = pool
        self.months = months
        self.log_size = np.empty((len(months), len(pool)), dtype=np.float32)
        current = pool.log_size.copy()
        for index in range(len(months)):
            current += pool.drift + rng.normal(0, MONTHLY_NOISE, len(pool))
            self.log_size[index] = current

    def headcount(self, workplace: int, index: int) -> int:
        return max(1, int(np.rint(np.exp(float(self.log_size[index, workplace])))))

    def enrolled(self, workplace: int, index: int) -> bool:
        return self.pool.entry[workplace] <= index < self.pool.exit[workplace]

    def grew_before(self, workplace: int | None, start: dt.date) -> bool:
        """True when the workplace's headcount in the month before `start` is at least GREW_RATIO times its
        headcount 12 months earlier (both months in the window and the workplace enrolled in both)."""
        if workplace is None:
            return False
        baseline = month_index(self.months, start) - 1
        past = baseline - 12
        if past < 0 or baseline >= len(self.months):
            return False
        if not (self.enrolled(workplace, past) and self.enrolled(workplace, baseline)):
            return False
        return self.headcount(workplace, baseline) >= GREW_RATIO * self.headcount(workplace, past)


def selection_factor(paths: LatentPaths, program_code: str, workplace: int | None, start: dt.date) -> float:
    """Factor on a firm's usual participation rate in `program_code` when it would start on `start`:
    SELECTION_ODDS for a firm that grew before, 1 / SELECTION_ODDS for any other firm of a selected programme."""
    if program_code not in SELECTED_PROGRAMMES:
        return 1.0
    return SELECTION_ODDS if paths.grew_before(workplace, start) else 1.0 / SELECTION_ODDS


def planted_from(n_workplaces: int, workplaces_by_brn: dict[str, int], first_paid: dict[str, dt.date],
                 months: list[dt.date]) -> np.ndarray:
    """Per workplace, the window month index of its first payment of the planted programme, else NOT_TREATED."""
    start = np.full(n_workplaces, NOT_TREATED, dtype=np.int64)
    for brn, paid_on in first_paid.items():
        workplace = workplaces_by_brn.get(brn)
        if workplace is not None:
            start[workplace] = month_index(months, paid_on)
    return start


def planted_jobs(start: np.ndarray, index: int) -> np.ndarray:
    """Extra jobs of every workplace in month `index`: the ramp to PLANTED_JOBS at +RAMP_MONTHS from baseline."""
    treated = start != NOT_TREATED
    since_baseline = np.where(treated, index - np.where(treated, start, 0) + 1, 0)
    return PLANTED_JOBS[PLANTED_PROGRAMME] * np.clip(since_baseline, 0, RAMP_MONTHS) / RAMP_MONTHS


def write_manifest(out_dir: Path) -> dict:
    """Write effects_manifest.json and return its content."""
    ramp = {horizon: PLANTED_JOBS[PLANTED_PROGRAMME] * min(horizon, RAMP_MONTHS) / RAMP_MONTHS
            for horizon in (6, 12, 24)}
    manifest = {
        "planted_programme": PLANTED_PROGRAMME,
        "zero_effect_programme": ZERO_EFFECT_PROGRAMME,
        "effect_jobs": {
            PLANTED_PROGRAMME: {f"+{h}": value for h, value in ramp.items()},
            ZERO_EFFECT_PROGRAMME: {f"+{h}": 0.0 for h in ramp},
        },
        "effect_definition": "extra headcount of an enrolled treated workplace, months after the baseline month "
                             "(the month before the programme's first payment); other programmes: none",
        "selection": {
            "programmes": sorted(SELECTED_PROGRAMMES),
            "rule": "usual participation rate x selection_odds (at most 1) when the headcount in the baseline "
                    "month is at least grew_ratio times the headcount 12 months earlier, else / selection_odds; "
                    "a firm may take only one of the two programmes, by a coin independent of growth",
            "selection_odds": SELECTION_ODDS,
            "grew_ratio": GREW_RATIO,
        },
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
