"""The gate's independent recount: a second implementation, in plain Python, of every count KPI and of
jobs_created (pooled and per programme) nationally and per region for the released quarter (the latest quarter
of the candidate), compared number by number with kpi.kpi_official_candidate.

It reads only staging tables, the reference seeds and, for headcounts, the firm-workplace linkage and the
monthly rows of each stable workplace (guarded by the linkage checks), with plain selects, and does every KPI
rule itself (designation tracks, region bridging, reversal netting, support at quarter end, centre opening
dates, Growth Project 300 jobs): no int_kpi_* model, no KPI model and no KPI SQL of the dbt project. A count KPI
or per-programme KPI of ref_kpi_definitions that has no recount here fails the check, so a new KPI cannot slip
past it. Any difference blocks the release; the failing rows show the published and the recounted number side
by side.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable

import duckdb

from .definitions import KpiDefinitions
from .registry import CheckSpec
from .results import MAX_FAILING_ROWS, CheckResult
from quality.warehouse import fetch_dicts

CANDIDATE = "kpi.kpi_official_candidate"


@dataclass
class Counted:
    """The distinct entities one KPI counts, per programme region (None: an entity of no region, counted
    nationally only). regions_unknown: the regional numbers are unknown (reference rows name no region)."""
    by_region: dict[str | None, set[str]] = field(default_factory=lambda: defaultdict(set))
    regions_unknown: bool = False

    def add(self, region: str | None, entity: str) -> None:
        self.by_region[region].add(entity)

    def national(self) -> int:
        return len(set().union(*self.by_region.values()))

    def regional(self, region: str) -> float | None:
        return None if self.regions_unknown else float(len(self.by_region.get(region, ())))


@dataclass
class Summed:
    """The entities one summed KPI adds up, per programme region, each with its value (None: an entity of no
    region, added nationally only). The national number adds each entity once."""
    by_region: dict[str | None, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, region: str | None, entity: str, value: float) -> None:
        self.by_region[region][entity] = value

    def national(self) -> float:
        values: dict[str, float] = {}
        for entities in self.by_region.values():
            values.update(entities)
        return float(sum(values.values()))

    def regional(self, region: str) -> float:
        return float(sum(self.by_region.get(region, {}).values()))


POOLED_JOBS = "jobs_created"


def quarter_end(label: str) -> dt.date:
    year, quarter = int(label[:4]), int(label[5])
    first_of_next = dt.date(year + quarter // 4, quarter % 4 * 3 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def quarter_label(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _month(day: dt.date, months_added: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + months_added
    return dt.date(index // 12, index % 12 + 1, 1)


class Warehouse:
    """The inputs of the recount, each read once with a plain select."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._cache: dict[str, list[dict]] = {}
        self._headcounts: dict[tuple[str, dt.date], int] | None = None
        self._netted: list[dict] | None = None

    def netted_funding_events(self) -> list[dict]:
        """Funding events with a reversal carrying the firm, programme, project and consortium of its payment
        (worked out once: three recounts read them)."""
        if self._netted is None:
            events = self.funding_events()
            payments = {e["event_id"]: e for e in events if e["reverses"] is None}
            self._netted = []
            for event in events:
                payment = payments.get(event["reverses"]) if event["reverses"] is not None else None
                source = payment or event
                self._netted.append({**event, "brn": source["brn"], "program_code": source["program_code"],
                                     "project_id": source["project_id"], "consortium_id": source["consortium_id"]})
        return self._netted

    def rows(self, sql: str) -> list[dict]:
        if sql not in self._cache:
            self._cache[sql] = fetch_dicts(self.con, sql)
        return self._cache[sql]

    def designations(self) -> list[dict]:
        return self.rows("""select brn, industry_type, stage, region_code, designated_on, withdrawn_on
                            from staging.stg_firms__designations""")

    def bridge(self) -> list[dict]:
        return self.rows("""select admin_code, valid_from, valid_to, programme_region_code
                            from ref.ref_admin_region_bridge where sigungu_prefix is null""")

    def non_capital_regions(self) -> set[str]:
        return {r["region_code"] for r in self.rows(
            "select region_code, is_non_capital_14 from ref.ref_programme_regions") if r["is_non_capital_14"]}

    def stage_ranks(self) -> dict[str, int]:
        return {r["stage_code"]: r["stage_rank"] for r in self.rows(
            "select stage_code, stage_rank, is_leading_stage from ref.ref_growth_stages")}

    def leading_stages(self) -> set[str]:
        return {r["stage_code"] for r in self.rows(
            "select stage_code, stage_rank, is_leading_stage from ref.ref_growth_stages") if r["is_leading_stage"]}

    def funding_events(self) -> list[dict]:
        return self.rows("""select event_id, brn, program_code, project_id, consortium_id, amount_krw, paid_on,
                                   reverses from staging.stg_funding__events""")

    def centres(self) -> list[dict]:
        return self.rows("select centre_id, centre_type, region_code, opened_on, closed_on from ref.ref_support_centres")

    def projects(self) -> list[dict]:
        return self.rows("select project_id, region_code, start_on, target_net_jobs from ref.ref_growth_projects")

    def headcounts(self) -> dict[tuple[str, dt.date], int]:
        """brn, data month -> NPS subscribers of the firm's matched workplace (the linkage mart's match), month by
        month across the moves and renames of that workplace (its stable workplace_id).

        The one input read over the whole NPS history: a firm's baseline is the month before its first payment,
        however long ago (on a 60-month national warehouse, 0.55 M rows out of 33 M, 1-2 s)."""
        if self._headcounts is None:
            self._headcounts = {(brn, month): subscribers for brn, month, subscribers in self.con.execute(
                """select links.brn, months.data_month, months.subscribers
                   from marts.fct_firm_workplace_links as links
                   inner join intermediate.int_workplace_id_months as months
                       on months.workplace_id = links.workplace_key
                   where links.match_status = 'matched'""").fetchall()}
        return self._headcounts

    def nps_months(self) -> list[dt.date]:
        return sorted(r["data_month"] for r in self.rows(
            "select distinct data_month from intermediate.int_workplace_months"))


def programme_region(bridge: list[dict], code: str | None, on: dt.date) -> str | None:
    for row in bridge:
        if row["admin_code"] == code and row["valid_from"] <= on and (row["valid_to"] is None or on <= row["valid_to"]):
            return row["programme_region_code"]
    return None


def _in_force(designations: list[dict], day: dt.date) -> list[dict]:
    """Designations in force on `day`: dated on or before it, not withdrawn by it, and not followed by a later
    designation of the firm on the same track (industry type) dated on or before it."""
    track_dates: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for row in designations:
        track_dates[(row["brn"], row["industry_type"])].append(row["designated_on"])
    in_force = []
    for row in designations:
        if row["designated_on"] > day or (row["withdrawn_on"] is not None and row["withdrawn_on"] <= day):
            continue
        later = [d for d in track_dates[(row["brn"], row["industry_type"])] if row["designated_on"] < d <= day]
        if not later:
            in_force.append(row)
    return in_force


def _by_region(pairs: Iterable[tuple[str | None, str]], regions_unknown: bool = False) -> Counted:
    counted = Counted(regions_unknown=regions_unknown)
    for region, entity in pairs:
        counted.add(region, entity)
    return counted


def leading_firm_counts(wh: Warehouse, definitions: KpiDefinitions, day: dt.date) -> dict[str, Counted]:
    bridge, regions, leading = wh.bridge(), wh.non_capital_regions(), wh.leading_stages()
    placed = [(row, programme_region(bridge, row["region_code"], row["designated_on"])) for row in wh.designations()]
    eligible = [(row, region) for row, region in placed if row["stage"] in leading and region in regions]
    in_force_rows = {id(row) for row in _in_force([row for row, _ in eligible], day)}
    stock = [(row, region) for row, region in eligible if id(row) in in_force_rows]
    core = [(region, row["brn"]) for row, region in stock if row["industry_type"] == "주축"]
    cross = [(region, row["brn"]) for row, region in stock if row["industry_type"] == "초광역"]
    since = definitions.counts_from.get("leading_firms_cumulative")
    cumulative = [(region, row["brn"]) for row, region in eligible if row["industry_type"] == "주축"
                  and row["designated_on"] <= day and (since is None or row["designated_on"] >= since)]
    return {"leading_firms": _by_region(core), "superregional_leading_firms": _by_region(cross),
            "representative_smes": _by_region(core + cross), "leading_firms_cumulative": _by_region(cumulative)}


def _firm_regions(wh: Warehouse) -> dict[str, str | None]:
    """Each designated firm's programme region: that of its latest designation (latest date, then highest stage)."""
    bridge, ranks = wh.bridge(), wh.stage_ranks()
    latest: dict[str, dict] = {}
    for row in wh.designations():
        key = (row["designated_on"], ranks.get(row["stage"], 0))
        held = latest.get(row["brn"])
        if held is None or key > (held["designated_on"], ranks.get(held["stage"], 0)):
            latest[row["brn"]] = row
    return {brn: programme_region(bridge, row["region_code"], row["designated_on"]) for brn, row in latest.items()}


def collaboration_counts(wh: Warehouse, day: dt.date) -> dict[str, Counted]:
    events = [e for e in wh.netted_funding_events() if e["program_code"] == "COLLAB" and e["consortium_id"] is not None]
    net: dict[tuple[str, str], int] = defaultdict(int)
    for event in events:
        if event["paid_on"] <= day:
            net[(event["consortium_id"], event["brn"])] += event["amount_krw"]
    paid_firms: dict[str, int] = defaultdict(int)
    for (consortium, _), amount in net.items():
        if amount > 0:
            paid_firms[consortium] += 1
    firm_regions = _firm_regions(wh)
    first_paid: dict[str, str | None] = {}
    for event in sorted((e for e in events if e["reverses"] is None), key=lambda e: (e["paid_on"], e["event_id"])):
        region = firm_regions.get(event["brn"])
        if region is not None and event["consortium_id"] not in first_paid:
            first_paid[event["consortium_id"]] = region
    return {"collaboration_models": _by_region(
        (first_paid.get(consortium), consortium) for consortium, firms in paid_firms.items() if firms >= 2)}


def centre_counts(wh: Warehouse, day: dt.date) -> dict[str, Counted]:
    counts: dict[str, Counted] = {}
    for centre_type in ("crisis", "structural"):
        open_centres = [c for c in wh.centres() if c["centre_type"] == centre_type and c["opened_on"] <= day
                        and (c["closed_on"] is None or c["closed_on"] > day)]
        counts[f"{centre_type}_centre_regions"] = _by_region(
            ((c["region_code"], c["region_code"] or c["centre_id"]) for c in open_centres),
            regions_unknown=any(c["region_code"] is None for c in open_centres))
    return counts


def growth_project_counts(wh: Warehouse, day: dt.date, min_measured_share: float) -> dict[str, Counted]:
    """A project succeeds once, at some quarter end up to `day`, its paid firms (net GP300 funding of the project
    above zero) together gained its target of jobs, with at least `min_measured_share` of them measured. A firm's
    jobs run from the month before its own first payment of the project to the quarter's reference month (the
    latest NPS month on or before the quarter's last month), and a firm paid by several projects counts for the
    one it entered first (earliest payment, then project id)."""
    headcounts, months = wh.headcounts(), wh.nps_months()
    events = [e for e in wh.netted_funding_events() if e["program_code"] == "GP300" and e["project_id"] is not None]
    entries: dict[str, tuple[dt.date, str]] = {}
    for event in events:
        if event["reverses"] is None:
            entry = (event["paid_on"], event["project_id"])
            entries[event["brn"]] = min(entries.get(event["brn"], entry), entry)
    by_project: dict[str, list[dict]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e["paid_on"]):
        by_project[event["project_id"]].append(event)
    succeeded = []
    for project in wh.projects():
        paid = by_project[project["project_id"]]
        net: dict[str, int] = defaultdict(int)      # per firm, the project's events paid by `end`
        counted = 0
        end = quarter_end(quarter_label(project["start_on"]))
        while end <= day:
            while counted < len(paid) and paid[counted]["paid_on"] <= end:
                net[paid[counted]["brn"]] += paid[counted]["amount_krw"]
                counted += 1
            reference = max((m for m in months if m <= _month(end)), default=None)
            firms = [brn for brn, amount in net.items() if amount > 0 and entries[brn][1] == project["project_id"]]
            jobs = [headcounts[(brn, reference)] - headcounts[(brn, _month(entries[brn][0], -1))] for brn in firms
                    if (brn, reference) in headcounts and (brn, _month(entries[brn][0], -1)) in headcounts]
            if firms and sum(jobs) >= project["target_net_jobs"] and len(jobs) >= min_measured_share * len(firms):
                succeeded.append((project["region_code"], project["project_id"]))
                break
            end = quarter_end(quarter_label(end + dt.timedelta(days=1)))
    return {"growth_project_success_cases": _by_region(succeeded)}


def jobs_created_sums(wh: Warehouse, definitions: KpiDefinitions, day: dt.date) -> dict[str, Summed]:
    """jobs_created pooled and per programme (the KPIs of ref_kpi_definitions naming a program_code).

    A firm is supported at `day` by a payment dated on or before it whose amount plus the reversals of it dated
    on or before it is above zero. Its jobs run from the month before its earliest such payment (of any programme
    for the pooled figure, of the programme for that programme's) to the quarter's reference month (the latest
    NPS month on or before the quarter's last month), and count 0 people then if its workplace is no longer in the
    file; a firm not observed in the baseline month is left out. Only designated firms count, in the programme
    region of their latest designation; pooled, a firm counts once however many programmes support it."""
    kpi_of: dict[str | None, str] = {None: POOLED_JOBS}
    kpi_of.update({programme: kpi for kpi, programme in definitions.programme_kpis.items()})
    sums = {kpi: Summed() for kpi in kpi_of.values()}
    reference = max((m for m in wh.nps_months() if m <= _month(day)), default=None)
    if reference is None:
        return sums
    events = [e for e in wh.netted_funding_events() if e["paid_on"] <= day]
    reversed_krw: dict[str, int] = defaultdict(int)
    for event in events:
        if event["reverses"] is not None:
            reversed_krw[event["reverses"]] += event["amount_krw"]
    entered: dict[tuple[str, str | None], dt.date] = {}
    for payment in events:
        if payment["reverses"] is None and payment["amount_krw"] + reversed_krw[payment["event_id"]] > 0:
            for key in ((payment["brn"], None), (payment["brn"], payment["program_code"])):
                entered[key] = min(entered.get(key, payment["paid_on"]), payment["paid_on"])
    regions, headcounts = _firm_regions(wh), wh.headcounts()
    for (brn, programme), first_paid_on in entered.items():
        baseline = headcounts.get((brn, _month(first_paid_on, -1)))
        if programme not in kpi_of or brn not in regions or baseline is None:
            continue
        sums[kpi_of[programme]].add(regions[brn], brn, float(headcounts.get((brn, reference), 0) - baseline))
    return sums


RECOUNTS: tuple[Callable[[Warehouse, dt.date], dict[str, Counted]], ...] = (collaboration_counts, centre_counts)


def recounted_kpis(definitions: KpiDefinitions) -> frozenset[str]:
    """The KPIs the recount covers: every count KPI, jobs_created and its per-programme KPIs."""
    return definitions.count_kpis | {POOLED_JOBS} | set(definitions.programme_kpis)


def recount(con: duckdb.DuckDBPyConnection, definitions: KpiDefinitions, quarter: str,
            region_codes: Iterable[str]) -> dict[tuple[str, str], float | None]:
    """(kpi_code, region_code) -> the recounted number for `quarter`, nationally under the national code."""
    wh, day = Warehouse(con), quarter_end(quarter)
    counted: dict[str, Counted | Summed] = dict(leading_firm_counts(wh, definitions, day))
    for count in RECOUNTS:
        counted.update(count(wh, day))
    counted.update(growth_project_counts(
        wh, day, definitions.min_measured_share.get("growth_project_success_cases") or 0.0))
    counted.update(jobs_created_sums(wh, definitions, day))
    numbers: dict[tuple[str, str], float | None] = {}
    for kpi, entities in counted.items():
        for region in region_codes:
            numbers[(kpi, region)] = entities.regional(region)
        numbers[(kpi, definitions.national_region_code)] = float(entities.national())
    return numbers


def independent_recount(con: duckdb.DuckDBPyConnection, spec: CheckSpec, definitions: KpiDefinitions,
                        region_codes: Iterable[str]) -> CheckResult:
    quarter = con.execute(f"select max(quarter) from {CANDIDATE}").fetchall()[0][0]
    if quarter is None:
        raise LookupError(f"{CANDIDATE} is empty")
    published = {(r["kpi_code"], r["region_code"]): r["actual"] for r in fetch_dicts(
        con, f"select kpi_code, region_code, actual from {CANDIDATE} where quarter = ?", [quarter])
        if r["kpi_code"] in recounted_kpis(definitions)}
    regions = list(region_codes)
    recounted = recount(con, definitions, quarter, regions)
    differences = []
    for key in sorted(published):
        kpi, region = key
        if kpi not in {k for k, _ in recounted}:
            differences.append({"kpi_code": kpi, "region_code": region, "quarter": quarter,
                                "published": published[key], "recounted": None, "note": "no recount for this KPI"})
        elif published[key] != recounted.get(key):
            differences.append({"kpi_code": kpi, "region_code": region, "quarter": quarter,
                                "published": published[key], "recounted": recounted.get(key)})
    national = definitions.national_region_code
    summary = ", ".join(f"{kpi} {published.get((kpi, national))} / {recounted.get((kpi, national))}"
                        for kpi in sorted(recounted_kpis(definitions)))
    observed = (f"{quarter}: {len(published)} number(s) recounted, {len(differences)} differ; "
                f"national published / recounted: {summary}")
    return CheckResult(name=spec.name, table=spec.table, rule=spec.rule, severity=spec.severity,
                       status="failed" if differences else "passed", observed=observed, engine="python_recount",
                       failing_row_count=len(differences), failing_rows=differences[:MAX_FAILING_ROWS])
