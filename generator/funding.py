"""The funding feed: disbursement events to programme firms, one JSON Lines file per month.

Each firm takes part in some programmes (Growth Project 300 projects of its region, leading-firm and
super-regional support, collaboration consortia, loans, vouchers) and is paid in instalments from its
designation until the end of the timeline or its withdrawal. Growth Project 300 runs in all 17 regions, so it
also pays project firms of the capital area (서울, 인천, 경기), which no agency designates: the funding feed is
the only feed naming them, and the NPS file carries their workplaces. A couple of percent of payments are later
cancelled by a reversal event carrying the negative amount.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingestion.contracts.funding import FIELDS
from generator.effects import SELECTED_PROGRAMMES, LatentPaths, selection_factor
from generator.programme import Designations, ProgrammeFirm, WrittenFile, new_brn
from generator.reference import LAST_MONTH, GrowthProject, Scale, Seeds, month_add, month_end
from generator.workplaces import WorkplacePool, in_any_moved_sigungu
from ingestion.contracts.identifiers import format_brn

TIMELINE_END = month_end(LAST_MONTH)
REVERSAL_SHARE = 0.02


@dataclass(frozen=True)
class Programme:
    """How a programme pays: who takes part, how many instalments how far apart, typical amount and kinds."""

    code: str
    share: dict[str, float]          # participation probability by final stage
    instalments: tuple[int, int]     # inclusive range
    every_months: int
    median_krw: float
    kinds: tuple[tuple[str, float], ...]


# GP300, LEAD and SUPRA, COLLAB are handled on their own (projects, leading stage, consortia).
OPEN_PROGRAMMES = (
    Programme("EXPORT", {"잠재": 0.25, "예비": 0.35, "선도": 0.45}, (2, 8), 2, 8_000_000, (("voucher", 1.0),)),
    Programme("TALENT", {"잠재": 0.6, "예비": 0.65, "선도": 0.7}, (6, 36), 1, 2_500_000, (("voucher", 1.0),)),
    Programme("NETLOAN", {"잠재": 0.12, "예비": 0.18, "선도": 0.2}, (1, 3), 3, 300_000_000, (("loan", 1.0),)),
    Programme("CRISIS", {"잠재": 0.06, "예비": 0.05, "선도": 0.03}, (1, 2), 2, 150_000_000, (("loan", 1.0),)),
    Programme("STRUCT", {"잠재": 0.04, "예비": 0.05, "선도": 0.05}, (2, 4), 2, 60_000_000,
              (("grant", 0.6), ("loan", 0.4))),
)
GP300_SHARE = {"잠재": 0.35, "예비": 0.55, "선도": 0.7}
# Capital-area GP300 project firms per capital region, relative to the programme firms of the scale.
CAPITAL_PROJECT_FIRM_SHARE = 0.025


@dataclass(frozen=True)
class ProjectFirm:
    """A capital-area firm paid by a Growth Project 300 project of its region, designated by no agency."""

    brn: str
    region: str          # current 2-digit code
    workplace: int       # index into the workplace pool


def capital_project_firms(rng: np.random.Generator, seeds: Seeds, scale: Scale, pool: WorkplacePool,
                          designations: Designations) -> list[ProjectFirm]:
    """Draw the capital-area GP300 firms from the pool's established corporate workplaces, larger ones likelier,
    the same number in each capital region; like every workplace they may withdraw."""
    per_region = max(3, round(scale.programme_firms * CAPITAL_PROJECT_FIRM_SHARE))
    moved = in_any_moved_sigungu(pool, seeds.regions, seeds.sigungu_moves)
    established = pool.corporate & (pool.entry == 0) & ~pool.born_in_window & ~pool.construction_site & ~moved
    taken = {firm.brn for firm in designations.firms}
    firms = []
    for position, region in enumerate(seeds.regions):
        if not region.is_capital_area:
            continue
        candidates = np.flatnonzero(established & (pool.region == position))
        weights = np.exp(0.8 * pool.log_size[candidates])
        chosen = np.sort(rng.choice(candidates, per_region, replace=False, p=weights / weights.sum()))
        firms += [ProjectFirm(new_brn(rng, int(pool.prefix6[i]), taken), region.code, int(i)) for i in chosen]
    return firms


@dataclass
class Event:
    brn: str
    program_code: str
    project_id: str | None
    consortium_id: str | None
    amount_krw: int
    paid_on: dt.date
    kind: str
    reverses: "Event | None" = None
    event_id: str = ""


def _instalments(rng: np.random.Generator, brn: str, stop: dt.date, start: dt.date, count: int, every_months: int,
                 median: float, kinds: tuple[tuple[str, float], ...], program_code: str,
                 project_id: str | None = None, consortium_id: str | None = None) -> list[Event]:
    """`count` payments from `start`, `every_months` apart, that fall before `stop`."""
    amounts = np.round(median * np.exp(rng.normal(0, 0.5, count)), -3).astype(np.int64).tolist()
    days = rng.integers(1, 29, count).tolist()
    names, weights = zip(*kinds)
    kind_index = np.searchsorted(np.cumsum(weights) / sum(weights), rng.random(count), side="right").tolist()
    events = []
    month = dt.date(start.year, start.month, 1)
    for k in range(count):
        pay_month = month_add(month, k * every_months)
        paid_on = max(start, dt.date(pay_month.year, pay_month.month, days[k]))
        if paid_on >= stop:
            break
        events.append(Event(brn, program_code, project_id, consortium_id, amounts[k], paid_on, names[kind_index[k]]))
    return events


def _paid_until(firm: ProgrammeFirm) -> dt.date:
    """The first day a firm is no longer paid: its withdrawal, or the day after the timeline ends."""
    return firm.withdrawn_on or TIMELINE_END + dt.timedelta(days=1)


def _gp300_instalments(rng: np.random.Generator, brn: str, stop: dt.date, start: dt.date,
                       project_id: str) -> list[Event]:
    return _instalments(rng, brn, stop, start, int(rng.integers(10, 37)), 1, 12_000_000,
                        (("rnd", 0.7), ("grant", 0.3)), "GP300", project_id=project_id)


def _open_projects(seeds: Seeds, region: str) -> list[GrowthProject]:
    """The region's Growth Project 300 projects that start within the timeline."""
    return [p for p in seeds.growth_projects if p.region_code == region and p.start_on < TIMELINE_END]


def _days_after(rng: np.random.Generator, day: dt.date, low: int, high: int) -> dt.date:
    return day + dt.timedelta(days=int(rng.integers(low, high)))


def _firm_events(rng: np.random.Generator, designations: Designations, seeds: Seeds, paths: LatentPaths,
                 firm: ProgrammeFirm) -> list[Event]:
    """A firm's payments: GP300 project, leading-firm support once it leads, and the open programmes. The planted
    and the zero-effect programme select on pre-growth (generator.effects), and a firm may take only one of
    them (drawn by a coin)."""
    stage_dates = designations.stage_dates(firm)
    first_designated = stage_dates[0][1]
    final_stage = stage_dates[-1][0]
    events: list[Event] = []
    stop = _paid_until(firm)
    if rng.random() < GP300_SHARE[final_stage]:
        projects = _open_projects(seeds, firm.region)
        project = projects[rng.integers(0, len(projects))]
        start = max(_days_after(rng, first_designated, 20, 90), project.start_on)
        events += _gp300_instalments(rng, firm.brn, stop, start, project.project_id)
    for stage, designated_on in stage_dates:
        if stage == "선도":
            supra = firm.industry_type == "초광역"
            events += _instalments(rng, firm.brn, stop, _days_after(rng, designated_on, 30, 60), 12, 3,
                                   150_000_000 if supra else 90_000_000,
                                   (("rnd", 1.0),) if supra else (("rnd", 0.6), ("grant", 0.4)),
                                   "SUPRA" if supra else "LEAD")
    excluded = SELECTED_PROGRAMMES - {sorted(SELECTED_PROGRAMMES)[int(rng.integers(0, len(SELECTED_PROGRAMMES)))]}
    for programme in OPEN_PROGRAMMES:
        draw = rng.random()
        start = _days_after(rng, first_designated, 30, 300)
        share = programme.share[final_stage] * selection_factor(paths, programme.code, firm.workplace, start)
        if programme.code not in excluded and draw < share:
            low, high = programme.instalments
            events += _instalments(rng, firm.brn, stop, start,
                                   int(rng.integers(low, high + 1)), programme.every_months, programme.median_krw,
                                   programme.kinds, programme.code)
    return events


def _consortium_events(rng: np.random.Generator, designations: Designations, count: int) -> list[Event]:
    """Collaboration consortia of 2-5 firms of one region, each member paid every two months."""
    by_region: dict[str, list[ProgrammeFirm]] = {}
    for firm in designations.firms:
        by_region.setdefault(firm.region, []).append(firm)
    regions = sorted(by_region)
    sizes = np.array([len(by_region[r]) for r in regions], dtype=float)
    numbers: dict[str, int] = {}
    events: list[Event] = []
    for _ in range(count):
        region = regions[rng.choice(len(regions), p=sizes / sizes.sum())]
        candidates = by_region[region]
        members = [candidates[k] for k in rng.choice(len(candidates), min(len(candidates), int(rng.integers(2, 6))),
                                                      replace=False)]
        start = _days_after(rng, max(designations.stage_dates(m)[0][1] for m in members), 30, 120)
        if start > TIMELINE_END - dt.timedelta(days=60) or len(members) < 2:
            continue
        numbers[region] = numbers.get(region, 0) + 1
        consortium_id = f"COLLAB-{region}-{numbers[region]:03d}"
        rounds = int(rng.integers(3, 9))
        for member in members:
            events += _instalments(rng, member.brn, _paid_until(member), start, rounds, 2, 25_000_000,
                                   (("grant", 1.0),), "COLLAB", consortium_id=consortium_id)
    return events


def build_events(rng: np.random.Generator, seeds: Seeds, scale: Scale, designations: Designations,
                 project_firms: list[ProjectFirm], paths: LatentPaths) -> list[Event]:
    """Every funding event of the programme timeline, with ids assigned in payment order."""
    payments: list[Event] = []
    for firm in designations.firms:
        payments += _firm_events(rng, designations, seeds, paths, firm)
    for project_firm in project_firms:
        projects = _open_projects(seeds, project_firm.region)
        project = projects[rng.integers(0, len(projects))]
        payments += _gp300_instalments(rng, project_firm.brn, TIMELINE_END + dt.timedelta(days=1),
                                       _days_after(rng, project.start_on, 20, 120), project.project_id)
    payments += _consortium_events(rng, designations, scale.consortia)
    reversals = []
    for payment in payments:
        if rng.random() < REVERSAL_SHARE:
            reversed_on = _days_after(rng, payment.paid_on, 5, 46)
            if reversed_on <= TIMELINE_END:
                reversals.append(Event(payment.brn, payment.program_code, payment.project_id, payment.consortium_id,
                                       -payment.amount_krw, reversed_on, payment.kind, reverses=payment))
    events = payments + reversals
    events.sort(key=lambda e: (e.paid_on, e.brn, e.program_code, e.reverses is not None, e.amount_krw))
    for number, event in enumerate(events, start=1):
        event.event_id = f"EV{number:08d}"
    return events


def first_payments(events: list[Event], program_code: str) -> dict[str, dt.date]:
    """Date of each firm's first payment of a programme (the start of that support)."""
    first: dict[str, dt.date] = {}
    for event in events:
        if event.reverses is None and event.program_code == program_code and event.brn not in first:
            first[event.brn] = event.paid_on
    return first


def event_line(rng: np.random.Generator, event: Event) -> str:
    values = {
        "event_id": event.event_id,
        "brn": format_brn(event.brn) if rng.random() < 0.4 else event.brn,
        "program_code": event.program_code,
        "project_id": event.project_id,
        "consortium_id": event.consortium_id,
        "amount_krw": event.amount_krw,
        "paid_on": event.paid_on.isoformat(),
        "kind": event.kind,
        "reverses": event.reverses.event_id if event.reverses else None,
    }
    return json.dumps({name: values[name] for name in FIELDS}, ensure_ascii=False)


def write_funding_files(rng: np.random.Generator, events: list[Event], months: list[dt.date],
                        out_dir: Path) -> list[WrittenFile]:
    """One file per window month that has events; a reversal whose payment predates the window is left out."""
    first_month = months[0]
    by_month: dict[dt.date, list[Event]] = {}
    for event in events:
        month = dt.date(event.paid_on.year, event.paid_on.month, 1)
        original = event.reverses
        if month < first_month or (original is not None and original.paid_on < first_month):
            continue
        by_month.setdefault(month, []).append(event)
    written = []
    for month in sorted(by_month):
        path = f"funding/funding_{month:%Y%m}.jsonl"
        text = "".join(event_line(rng, event) + "\n" for event in by_month[month])
        (out_dir / path).write_text(text, encoding="utf-8")
        written.append(WrittenFile(path, "utf-8", len(by_month[month])))
    return written
