"""Tests of the sample-feed generator: bytes are reproducible, files follow the feed contracts in the published
layout (and the legacy one on request), and the data has the shapes the warehouse relies on (stage targets,
regional skew, code changes, linkable firms, known defects)."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pytest

from ingestion.contracts import employment as employment_contract
from ingestion.contracts import firms as firms_contract
from ingestion.contracts.funding import FIELDS, KINDS, PROGRAM_CODES
from generator import effects, generate
from generator.reference import SCALES, Seeds, window_months
from generator.workplaces import build_pool, csv_quoted, encoded
from ingestion.normalise import clean_header, normalise_brn, parse_date, region_resolver

GANGWON_CHANGE = dt.date(2023, 6, 11)
JEONBUK_CHANGE = dt.date(2024, 1, 18)
PUBLISHED_EMPLOYMENT_NAME = re.compile(r"국민연금공단_국민연금 가입 사업장 내역_(\d{8})\.csv")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict, list[dict]]:
    out = tmp_path_factory.mktemp("demo")
    summary = generate(out, scale="demo", seed=7, defects=True, progress=False)
    return out, summary, json.loads((out / "defects_manifest.json").read_text(encoding="utf-8"))


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("file decodes as neither UTF-8 nor CP949")


def _rejected_or_copied(manifest: list[dict]) -> set[str]:
    return {entry["file"] for entry in manifest if entry["row"] is None}


def _defect_rows(manifest: list[dict]) -> set[tuple[str, int]]:
    return {(entry["file"], entry["row"]) for entry in manifest if entry["row"] is not None}


def _sheet_rows(path: Path) -> list[list]:
    """Rows of a workbook's first sheet as Excel shows them (row 1 first), empty cells as None."""
    return [list(row) for row in openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)]


def _cell_text(value) -> str:
    """A workbook cell as the CSV would carry it: date cells as YYYY-MM-DD, empty cells as ''."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return "" if value is None else str(value)


def _firm_rows(out: Path, manifest: list[dict]) -> list[dict]:
    """Valid designation rows of CSV and Excel lists (defect rows and files left out), with file and row."""
    skip_files, skip_rows = _rejected_or_copied(manifest), _defect_rows(manifest)
    rows = []
    for path in sorted((out / "firms").iterdir()):
        relative = f"firms/{path.name}"
        if relative in skip_files:
            continue
        if path.suffix == ".xlsx":
            table = [[_cell_text(value) for value in row] for row in _sheet_rows(path)]
        else:
            table = list(csv.reader(io.StringIO(_decode(path.read_bytes())[0])))
        for number, fields in enumerate(table[1:], start=2):
            if (relative, number) not in skip_rows:
                rows.append(dict(zip(firms_contract.HEADER, fields), file=relative, row=number))
    return rows


def _csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("cp949"))))


def _employment_paths(out: Path) -> dict[str, Path]:
    """Employment files by the data month (YYYYMM) their 자료생성년월 states."""
    paths = {}
    for path in (out / "employment").glob("*.csv"):
        paths[_csv_rows(path)[1][0].replace("-", "")] = path
    return paths


def _employment(out: Path, month: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = _csv_rows(_employment_paths(out)[month])
    return header, rows


def _column(name: str) -> int:
    return employment_contract.HEADER.index(name)


def _normalised_name(name: str) -> str:
    return re.sub(r"\s+|\(주\)|주식회사", "", name).casefold()


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_same_bytes_and_another_seed_differs(tmp_path):
    first = generate(tmp_path / "a", seed=11, months=6, defects=True, progress=False)
    generate(tmp_path / "b", seed=11, months=6, defects=True, progress=False)
    generate(tmp_path / "c", seed=12, months=6, defects=True, progress=False)
    hashes_a, hashes_b, hashes_c = (_hashes(tmp_path / name) for name in "abc")
    assert hashes_a == hashes_b
    assert any(name.endswith(".xlsx") for name in hashes_a)     # workbooks are byte-stable too
    assert len(hashes_a) == sum(first["files"].values()) + 5   # 3 extra defect files + the two manifests
    shared = set(hashes_a) & set(hashes_c)
    assert all(hashes_a[name] != hashes_c[name] for name in shared if name.startswith(("employment", "funding")))


def test_refuses_a_landing_folder_that_already_holds_feed_files(tmp_path):
    (tmp_path / "firms").mkdir()
    (tmp_path / "firms" / "old.csv").write_text("x")
    with pytest.raises(FileExistsError):
        generate(tmp_path, months=2, progress=False)


def test_layout_and_summary(demo):
    out, summary, _ = demo
    assert summary["months"] == ["2023-03", "2026-06"] and summary["layout"] == "published"
    assert summary["files"]["employment"] == 40
    months = _employment_paths(out)
    assert len(months) == 40 and min(months) == "202303" and max(months) == "202606"
    late = 0
    for month, path in months.items():
        posted = dt.datetime.strptime(PUBLISHED_EMPLOYMENT_NAME.fullmatch(path.name).group(1), "%Y%m%d").date()
        data_month = dt.date(int(month[:4]), int(month[4:]), 1)
        months_later = (posted.year - data_month.year) * 12 + posted.month - data_month.month
        assert months_later in (1, 2)
        late += months_later == 2
    assert late < 10
    assert sorted(months, key=lambda m: months[m].name) == sorted(months)    # posting order is data-month order
    firm_name = re.compile(r"[a-z-]+_\d{4}_batch\d{2}(_resend)?\.(csv|xlsx)")
    assert all(firm_name.fullmatch(p.name) for p in (out / "firms").iterdir())
    assert all(re.fullmatch(r"funding_\d{6}\.jsonl", p.name) for p in (out / "funding").iterdir())
    assert 2_000 <= summary["rows"]["employment"] / 40 <= 3_000
    assert 3_000 <= summary["rows"]["funding"] <= 12_000


def test_firm_files_mix_encodings_and_carry_the_contract_header(demo):
    out, _, manifest = demo
    encodings = Counter()
    for path in sorted((out / "firms").glob("*.csv")):
        if f"firms/{path.name}" in _rejected_or_copied(manifest):
            continue
        data = path.read_bytes()
        text, encoding = _decode(data)
        bom = data.startswith(b"\xef\xbb\xbf")
        encodings["utf-8 with BOM" if bom else "utf-8" if encoding == "utf-8-sig" else encoding] += 1
        assert tuple(next(csv.reader(io.StringIO(text)))) == firms_contract.HEADER
    assert set(encodings) == {"utf-8 with BOM", "utf-8", "cp949"}


def test_about_a_third_of_firm_lists_are_workbooks_with_date_cells_or_text_dates(demo):
    out, summary, _ = demo
    workbooks = sorted((out / "firms").glob("*.xlsx"))
    assert 0.2 < len(workbooks) / summary["files"]["firms"] < 0.5      # 1/3 of ~95 lists, within 3.5 sd
    assert not {p.stem for p in workbooks} & {p.stem for p in (out / "firms").glob("*.csv")}
    date_kinds = Counter()
    for path in workbooks:
        rows = _sheet_rows(path)
        assert tuple(rows[0]) == firms_contract.HEADER
        designated = [row[firms_contract.HEADER.index("지정일자")] for row in rows[1:]]
        kinds = {type(value) for value in designated}
        assert kinds in ({dt.datetime}, {str})
        date_kinds[kinds.pop()] += 1
        assert all(isinstance(row[0], str) and isinstance(row[3], str) for row in rows[1:])   # numbers kept as text
    assert date_kinds[dt.datetime] > 0 and date_kinds[str] > 0


def test_firm_rows_use_the_contract_value_forms(demo):
    out, _, manifest = demo
    rows = _firm_rows(out, manifest)
    brns = [row["사업자등록번호"] for row in rows]
    assert all(normalise_brn(brn) for brn in brns)
    assert any("-" in brn for brn in brns) and any("-" not in brn for brn in brns)
    assert all(region_resolver().resolve(row["시도"]).code for row in rows)
    assert "광주시" not in {row["시도"] for row in rows}
    assert all(re.fullmatch(r"\d{5}", row["업종코드"]) for row in rows)
    manufacturing = sum(10 <= int(row["업종코드"][:2]) <= 34 for row in rows) / len(rows)
    assert manufacturing > 0.6
    assert {row["산업구분"] for row in rows} == set(firms_contract.INDUSTRY_TYPES)
    date_forms = Counter("dash" if "-" in row["지정일자"] else "dot" if "." in row["지정일자"] else "plain" for row in rows)
    assert len(date_forms) == 3
    designated = [parse_date(row["지정일자"]) for row in rows]
    assert all(designated) and min(designated) >= dt.date(2023, 5, 1)
    withdrawn = [row for row in rows if row["해제일자"]]
    assert 0 < len(withdrawn) < 0.06 * len({normalise_brn(b) for b in brns})
    assert all(parse_date(row["해제일자"]) > parse_date(row["지정일자"]) for row in withdrawn)


def test_final_stages_meet_the_scaled_targets_and_promotions_move_up(demo):
    out, _, manifest = demo
    stages = firms_contract.STAGES
    history: dict[str, list[tuple[dt.date, str, str, str]]] = {}
    for row in _firm_rows(out, manifest):
        history.setdefault(normalise_brn(row["사업자등록번호"]), []).append(
            (parse_date(row["지정일자"]), row["성장단계"], row["산업구분"], region_resolver().resolve(row["시도"]).code))
    final = {brn: max(entries, key=lambda e: (e[0], stages.index(e[1]))) for brn, entries in history.items()}
    counts = Counter(stage for _, stage, _, _ in final.values())
    scale = SCALES["demo"]
    assert counts == {"잠재": scale.potential, "예비": scale.preliminary,
                      "선도": scale.leading_core + scale.leading_supra}
    leading = [entry for entry in final.values() if entry[1] == "선도"]
    assert Counter(kind for _, _, kind, _ in leading) == {"주축": scale.leading_core, "초광역": scale.leading_supra}
    cross_regions = {r.code for r in Seeds().regions if Seeds().key_industries("초광역", r.code)}
    assert len(cross_regions) == 13
    assert all(region in cross_regions for _, _, kind, region in leading if kind == "초광역")
    programme_regions = {r.code for r in Seeds().regions if r.is_programme_region}
    assert {region for *_, region in final.values()} <= programme_regions
    promoted = [entries for entries in history.values() if len({stage for _, stage, _, _ in entries}) > 1]
    assert len(promoted) >= 20
    for entries in promoted:
        by_date = sorted(entries)
        assert [stages.index(stage) for _, stage, _, _ in by_date] == sorted(stages.index(s) for _, s, _, _ in by_date)


def test_firm_region_spellings_respect_the_code_change_dates(demo):
    out, _, manifest = demo
    legacy_gangwon = {"강원도", "Gangwon-do", "42", "4200000000"}
    legacy_jeonbuk = {"전라북도", "Jeollabuk-do", "45", "4500000000"}
    seen = Counter()
    for row in _firm_rows(out, manifest):
        designated = parse_date(row["지정일자"])
        if row["시도"] in legacy_gangwon:
            assert designated < GANGWON_CHANGE
            seen["gangwon"] += 1
        if row["시도"] in legacy_jeonbuk:
            assert designated < JEONBUK_CHANGE
            seen["jeonbuk"] += 1
        if row["시도"] in {"강원특별자치도", "51", "5100000000", "Gangwon State"}:
            assert designated >= GANGWON_CHANGE
        if row["시도"] in {"전북특별자치도", "52", "5200000000", "Jeonbuk State"}:
            assert designated >= JEONBUK_CHANGE
    assert seen["gangwon"] > 0 and seen["jeonbuk"] > 0


def test_employment_files_are_cp949_with_the_public_header_quirks(demo):
    out, _, _ = demo
    legends = spaced = 0
    month_forms = Counter()
    for path in sorted((out / "employment").glob("*.csv")):
        header, *rows = _csv_rows(path)
        assert tuple(clean_header(name) for name in header) == employment_contract.HEADER
        legends += "사업장가입상태코드 1 등록 2 탈퇴" in header or " 사업장가입상태코드 1 등록 2 탈퇴" in header
        if any(name.startswith(" ") for name in header):
            spaced += 1
            assert not header[0].startswith(" ") and all(name.startswith(" ") for name in header[1:])
        months = {row[0] for row in rows}
        assert len(months) == 1                                  # one data month per file, stated inside it
        month = months.pop()
        assert re.fullmatch(r"\d{4}-\d{2}|\d{6}", month)
        month_forms["dash" if "-" in month else "plain"] += 1
    assert legends == 40
    assert 0 < spaced < 40
    assert month_forms["plain"] > 0 and month_forms["dash"] > 3 * month_forms["plain"]


def _is_site(row: list[str]) -> bool:
    return "/일용/" in row[_column("사업장명")]


def test_employment_rows_have_22_fields_duplicates_and_consistent_codes(demo):
    out, _, manifest = demo
    path = _employment_paths(out)["202511"]
    header, rows = _employment(out, "202511")
    defect_rows = {row for file, row in _defect_rows(manifest) if file == f"employment/{path.name}"}
    rows = [r for number, r in enumerate(rows, start=2) if number not in defect_rows]
    assert all(len(r) == 22 for r in rows)
    assert 2 <= len(rows) - len({tuple(r) for r in rows}) <= 8
    region, sigungu, town = _column("법정동주소광역시도코드"), _column("법정동주소광역시시군구코드"), \
        _column("법정동주소광역시시군구읍면동코드")
    addressed = [r for r in rows if not _is_site(r)]
    for name in ("고객법정동주소코드", "고객행정동주소코드"):
        assert all(re.fullmatch(r"\d{10}", r[_column(name)]) and r[_column(name)][:5] == r[region] + r[sigungu]
                   for r in addressed)
    assert all(re.fullmatch(r"\d{3}", r[sigungu]) and re.fullmatch(r"\d{3}", r[town]) for r in addressed)
    assert all(r[_column("고객법정동주소코드")][5:8] == r[town] for r in addressed)
    assert all(re.fullmatch(r"\d{6}", r[_column("사업자등록번호")]) for r in rows)
    for name in ("적용일자", "재등록일자", "탈퇴일자"):
        values = [r[_column(name)] for r in rows if r[_column(name)]]
        assert values and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) and parse_date(v) for v in values)


def test_csv_quoting_doubles_inner_quotes_as_the_csv_module_does():
    values = ["(주)가나, 다라", '한빛"정밀"', "plain", ""]
    quoted = csv_quoted(encoded(values)).to_pylist()
    assert [value.decode("cp949") for value in quoted] == ['"(주)가나, 다라"', '"한빛""정밀"""', "plain", ""]
    line = ",".join(value.decode("cp949") for value in quoted)
    assert next(csv.reader([line])) == values


def test_withdrawn_workplaces_carry_their_withdrawal_date_and_no_subscribers(demo):
    out, _, _ = demo
    withdrawn = 0
    for month, path in _employment_paths(out).items():
        for r in _csv_rows(path)[1:]:
            status, left = r[_column("사업장가입상태코드")], r[_column("탈퇴일자")]
            assert (status == "2") == (left != "")
            if status == "2":
                withdrawn += 1
                assert r[_column("가입자수")] == "0" and left[:7].replace("-", "") == month
    assert withdrawn > 100


def test_construction_sites_have_no_address_but_keep_their_region(demo):
    out, _, _ = demo
    _, rows = _employment(out, "202606")
    sites = [r for r in rows if _is_site(r)]
    assert 0.01 < len(sites) / len(rows) < 0.08
    empty = ("우편번호", "사업장지번상세주소", "사업장도로명상세주소", "고객법정동주소코드", "고객행정동주소코드",
             "법정동주소광역시시군구코드", "법정동주소광역시시군구읍면동코드")
    for r in sites:
        assert re.fullmatch(r"\S.*/일용/.+ (신축공사|신축현장|증축공사|건설공사|현장)", r[_column("사업장명")])
        assert all(r[_column(name)] == "" for name in empty)
        assert re.fullmatch(r"\d{2}", r[_column("법정동주소광역시도코드")])
        assert r[_column("사업장업종코드")][:2] in ("41", "42")
    assert all(r[_column("우편번호")] and r[_column("고객법정동주소코드")] for r in rows if not _is_site(r))


def test_names_with_a_comma_are_quoted_and_read_back_by_python_and_duckdb(demo, tmp_path):
    out, _, _ = demo
    path = _employment_paths(out)["202606"]
    data = path.read_bytes()
    _, rows = _employment(out, "202606")
    comma_names = [r[_column("사업장명")] for r in rows if "," in r[_column("사업장명")]]
    assert comma_names
    assert all(f'"{name}"'.encode("cp949") in data for name in comma_names)
    utf8 = tmp_path / "month.csv"
    utf8.write_text(data.decode("cp949"), encoding="utf-8")
    with duckdb.connect() as con:
        read = con.execute(f"""SELECT * FROM read_csv('{utf8}', header = true, all_varchar = true, delim = ',',
                                quote = '"', escape = '"', strict_mode = true)""").fetchall()
    assert [list(v or "" for v in row) for row in read] == rows


def test_regional_skew_and_heavy_tailed_sizes(demo):
    out, _, _ = demo
    _, rows = _employment(out, "202606")
    regions = Counter(r[_column("법정동주소광역시도코드")] for r in rows)
    capital = sum(regions[code] for code in ("11", "28", "41")) / len(rows)
    assert 0.45 <= capital <= 0.62
    assert regions["11"] > regions["26"] > regions["36"]
    sizes = np.array([int(r[_column("가입자수")]) for r in rows if r[_column("사업장가입상태코드")] == "1"])
    assert 3 <= np.median(sizes) <= 20
    assert np.percentile(sizes, 99) > 5 * np.median(sizes)


@pytest.mark.slow
def test_gunwi_workplaces_move_from_gyeongbuk_to_daegu_on_2023_07_01(demo):
    out, _, _ = demo
    def gunwi(month: str) -> Counter:
        """Region codes the 군위군 rows (시군구 part 720) carry, checked against their 10-digit dong codes."""
        codes = Counter()
        for r in _employment(out, month)[1]:
            if r[_column("법정동주소광역시시군구코드")] == "720":
                code = r[_column("법정동주소광역시도코드")]
                assert r[_column("고객법정동주소코드")][:5] == r[_column("고객행정동주소코드")][:5] == code + "720"
                assert "군위군" in r[_column("사업장지번상세주소")]
                codes[code] += 1
        return codes
    before, change_month, later = gunwi("202306"), gunwi("202307"), gunwi("202606")
    assert set(before) == {"47"} and before["47"] >= 3
    assert change_month["47"] > 0 and change_month["27"] > 0
    assert later["27"] > 0 and later["47"] <= 0.2 * later["27"]
    after = sum((gunwi(month) for month in _employment_paths(out) if month > "202307"), Counter())
    assert 0 < after["47"] < 0.1 * after["27"]            # a few rows keep the old code, as real files do


def test_legacy_region_codes_switch_on_the_real_dates(demo):
    out, _, _ = demo
    def codes(month: str) -> Counter:
        return Counter(r[_column("법정동주소광역시도코드")] for r in _employment(out, month)[1])
    assert codes("202305")["42"] > 0 and codes("202305")["51"] == 0
    assert codes("202306")["42"] > 0 and codes("202306")["51"] > 0
    assert codes("202307")["42"] == 0 and codes("202307")["51"] > 0
    assert codes("202312")["45"] > 0 and codes("202312")["52"] == 0
    assert codes("202401")["45"] > 0 and codes("202401")["52"] > 0
    assert codes("202402")["45"] == 0 and codes("202402")["52"] > 0


def test_new_and_lost_subscribers_add_up_to_the_change(demo):
    out, _, _ = demo
    def by_workplace(month: str) -> dict[tuple, list[str]]:
        keyed: dict[tuple, list[str]] = {}
        for r in _employment(out, month)[1]:
            key = tuple(r[k] for k in (1, 2, 4, 5, 15))   # name, prefix, postcode, address, coverage start
            keyed.setdefault(key, []).append(r)
        return {key: rs[0] for key, rs in keyed.items() if len({tuple(x) for x in rs}) == 1}
    before, after = by_workplace("202409"), by_workplace("202410")
    count, new, lost = _column("가입자수"), _column("신규취득자수"), _column("상실가입자수")
    common = set(before) & set(after)
    assert len(common) > 2_000
    for key in common:
        change = int(after[key][count]) - int(before[key][count])
        assert int(after[key][new]) - int(after[key][lost]) == change


def _programme_links(out: Path, manifest: list[dict], month: str) -> tuple[dict[str, list], list[list[str]]]:
    """Programme firms and the NPS rows of `month` sharing their prefix, normalised name and region."""
    firms = {}
    for row in _firm_rows(out, manifest):
        firms[normalise_brn(row["사업자등록번호"])] = (row["기업명"], region_resolver().resolve(row["시도"]).code)
    _, rows = _employment(out, month)
    index: dict[tuple, list[list[str]]] = {}
    for r in rows:
        key = (r[_column("사업자등록번호")], _normalised_name(r[_column("사업장명")]),
               region_resolver().current_code(r[_column("법정동주소광역시도코드")]))
        index.setdefault(key, []).append(r)
    links = {brn: [r for r in index.get((brn[:6], _normalised_name(name), region), [])]
             for brn, (name, region) in firms.items()}
    return links, rows


def test_programme_firms_appear_in_employment_under_name_variants(demo):
    out, _, manifest = demo
    # programme workplaces are enrolled when the first designation round opens (they may withdraw later)
    links, _ = _programme_links(out, manifest, "202305")
    matched = [brn for brn, rows in links.items() if rows]
    assert 0.93 <= len(matched) / len(links) < 1.0        # a few programme firms are not in the NPS file
    distinct = [brn for brn, rows in links.items() if len({tuple(r) for r in rows}) > 1]
    assert distinct, "some prefixes, names and regions are shared by two workplaces (ambiguous links)"
    firms = {normalise_brn(r["사업자등록번호"]): r["기업명"] for r in _firm_rows(out, manifest)}
    exact_names = sum(firms[brn] == links[brn][0][_column("사업장명")] for brn in matched)
    assert exact_names < 0.05 * len(matched)               # the NPS spells the name differently


def test_the_planted_effect_ramps_to_its_value_at_twelve_months_and_holds():
    first_payment = np.array([10, effects.NOT_TREATED])
    baseline = 9                                   # the month before the first payment month
    jobs = {horizon: effects.planted_jobs(first_payment, baseline + horizon) for horizon in (-3, 0, 6, 12, 24)}
    planted = effects.PLANTED_JOBS[effects.PLANTED_PROGRAMME]
    assert [jobs[h][0] for h in (-3, 0, 6, 12, 24)] == [0, 0, planted / 2, planted, planted]
    assert all(jobs[h][1] == 0 for h in jobs)


def test_selection_favours_firms_that_grew_in_the_year_before_their_start():
    pool = build_pool(np.random.default_rng(1), Seeds().regions, Seeds().sigungu_moves, SCALES["demo"],
                      window_months(30))
    paths = effects.LatentPaths(np.random.default_rng(2), pool, window_months(30))
    start = paths.months[20]
    enrolled = [w for w in range(len(pool)) if paths.enrolled(w, 7) and paths.enrolled(w, 19)]
    grew = [w for w in enrolled if paths.headcount(w, 19) >= effects.GREW_RATIO * paths.headcount(w, 7)]
    assert 0 < len(grew) < len(enrolled) / 2
    assert all(paths.grew_before(w, start) for w in grew)
    assert not paths.grew_before(grew[0], paths.months[5])       # no history 12 months before: never "grew"
    factor = {w: effects.selection_factor(paths, effects.PLANTED_PROGRAMME, w, start) for w in enrolled[:300]}
    assert {factor[w] for w in factor if w in set(grew)} == {effects.SELECTION_ODDS}
    assert {factor[w] for w in factor if w not in set(grew)} == {1 / effects.SELECTION_ODDS}
    assert effects.selection_factor(paths, "GP300", grew[0], start) == 1.0


def test_the_effects_manifest_states_what_was_planted(demo):
    out, summary, _ = demo
    manifest = json.loads((out / effects.MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest == summary["effects"]
    assert manifest["effect_jobs"][effects.PLANTED_PROGRAMME] == {"+6": 1.0, "+12": 2.0, "+24": 2.0}
    assert set(manifest["effect_jobs"][effects.ZERO_EFFECT_PROGRAMME].values()) == {0.0}
    takers = Counter()
    for path in (out / "funding").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.endswith("}"):
                event = json.loads(line)
                if event["program_code"] in effects.SELECTED_PROGRAMMES:
                    takers[normalise_brn(event["brn"])] |= 1 << sorted(effects.SELECTED_PROGRAMMES).index(
                        event["program_code"])
    assert takers and 3 not in takers.values()    # no firm takes both the planted and the zero-effect programme


def test_funding_events_follow_the_contract(demo):
    out, _, manifest = demo
    skip = _defect_rows(manifest)
    firms = {normalise_brn(r["사업자등록번호"]): region_resolver().resolve(r["시도"]).code for r in _firm_rows(out, manifest)}
    projects = {p.project_id: p.region_code for p in Seeds().growth_projects}
    capital = {r.code for r in Seeds().regions if r.is_capital_area}
    events, consortia, capital_paid = {}, {}, Counter()
    for path in sorted((out / "funding").glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if (f"funding/{path.name}", number) in skip:
                continue
            event = json.loads(line)
            assert tuple(event) == FIELDS
            assert event["event_id"] not in events
            events[event["event_id"]] = event
            brn = normalise_brn(event["brn"])
            assert event["program_code"] in PROGRAM_CODES and event["kind"] in KINDS
            assert isinstance(event["amount_krw"], int)
            assert event["paid_on"][:4] + event["paid_on"][5:7] == path.stem[-6:]
            if brn not in firms:      # a capital-area project firm: no agency designates it, GP300 pays it
                assert event["program_code"] == "GP300" and projects[event["project_id"]] in capital
                capital_paid[projects[event["project_id"]]] += event["amount_krw"] > 0
            if event["program_code"] == "GP300":
                assert projects[event["project_id"]] == firms.get(brn, projects[event["project_id"]])
            else:
                assert event["project_id"] is None
            if event["program_code"] == "COLLAB":
                assert re.fullmatch(rf"COLLAB-{firms[brn]}-\d{{3}}", event["consortium_id"])
                consortia.setdefault(event["consortium_id"], set()).add(brn)
            else:
                assert event["consortium_id"] is None
            if event["reverses"]:
                original = events[event["reverses"]]
                assert event["amount_krw"] == -original["amount_krw"] < 0
            else:
                assert event["amount_krw"] > 0
    assert set(PROGRAM_CODES) == {e["program_code"] for e in events.values()}
    assert set(capital_paid) == capital and min(capital_paid.values()) > 20
    reversals = sum(1 for e in events.values() if e["reverses"]) / len(events)
    assert 0.005 < reversals < 0.04
    assert consortia and all(2 <= len(members) <= 5 for members in consortia.values())


def test_defects_manifest_points_at_the_defects(demo):
    out, summary, manifest = demo
    assert set(summary["defects"]) >= {
        "invalid_check_digit", "unknown_region", "impossible_date", "negative_headcount", "malformed_json",
        "duplicate_event_id", "truncated_file", "wrong_encoding", "delivered_twice"}
    for entry in manifest:
        path = out / entry["file"]
        data = path.read_bytes()
        defect = entry["defect"]
        if entry["row"] is not None:
            assert entry["expected_status"] == "loaded_with_quarantine"
            text, _ = _decode(data)
            line = text.splitlines()[entry["row"] - 1]
        if defect in ("invalid_check_digit", "unknown_region", "impossible_date", "ambiguous_region"):
            fields = dict(zip(firms_contract.HEADER, next(csv.reader([line]))))
            assert (normalise_brn(fields["사업자등록번호"]) is None) == (defect == "invalid_check_digit")
            reason = region_resolver().resolve(fields["시도"]).reason
            assert reason == {"unknown_region": "unknown_region", "ambiguous_region": "ambiguous_region"}.get(defect)
            assert (parse_date(fields["지정일자"]) is None) == (defect == "impossible_date")
        elif defect == "negative_headcount":
            assert next(csv.reader([line]))[_column("가입자수")] == "-3"
        elif defect == "malformed_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(line)
        elif defect == "duplicate_event_id":
            event = json.loads(line)
            earlier = [json.loads(other) for other in text.splitlines()[:entry["row"] - 1] if other.endswith("}")]
            assert any(other["event_id"] == event["event_id"] and other != event for other in earlier)
        elif defect == "truncated_file":
            assert entry["expected_reason"] == "file_truncated" and entry["expected_status"] == "rejected"
            assert not data.endswith(b"\n")
            text, _ = _decode(data)
            assert len(next(csv.reader([text.splitlines()[-1]]))) < len(firms_contract.HEADER)
        elif defect == "wrong_encoding":
            assert entry["expected_reason"] == "file_undecodable" and entry["expected_status"] == "rejected"
            for encoding in ("utf-8", "cp949"):
                with pytest.raises(UnicodeDecodeError):
                    data.decode(encoding)
            assert "사업자등록번호" in data.decode("utf-16")
        elif defect == "delivered_twice":
            assert entry["expected_status"] == "duplicate"
            twins = [p for p in path.parent.iterdir() if p != path and p.read_bytes() == data]
            assert len(twins) == 1 and twins[0].name < path.name
        else:
            raise AssertionError(f"unexpected defect {defect}")


def test_without_defects_there_is_no_manifest_and_every_row_is_valid(tmp_path):
    summary = generate(tmp_path, seed=3, months=3, progress=False)
    assert not (tmp_path / "defects_manifest.json").exists() and summary["defects"] == {}
    rows = _firm_rows(tmp_path, [])
    assert all(normalise_brn(r["사업자등록번호"]) and parse_date(r["지정일자"]) for r in rows)
    for path in (tmp_path / "funding").glob("*.jsonl"):
        assert all(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    for path in (tmp_path / "employment").glob("*.csv"):
        assert all(int(row[_column("가입자수")]) >= 0 for row in _csv_rows(path)[1:])


@pytest.mark.slow
def test_one_national_month_has_about_600k_workplaces(tmp_path):
    summary = generate(tmp_path, scale="national", months=1, progress=False)
    assert summary["programme_firms"] == 10_300
    assert 550_000 <= summary["rows"]["employment"] <= 650_000
    (path,) = (tmp_path / "employment").iterdir()
    data = path.read_bytes()
    assert 100e6 < len(data) < 160e6
    text = data.decode("cp949")
    assert text.count("\n") == summary["rows"]["employment"] + 1


def test_legacy_layout_writes_the_older_form_of_the_same_data(demo, tmp_path):
    out, summary, manifest = demo
    legacy = generate(tmp_path, scale="demo", seed=7, progress=False, legacy_layout=True)
    assert legacy["layout"] == "legacy"
    assert legacy["rows"] == summary["rows"] and legacy["files"] == summary["files"]
    assert sorted(p.name for p in (tmp_path / "employment").iterdir()) == [
        f"nps_{month}.csv" for month in sorted(_employment_paths(out))]
    assert not list((tmp_path / "firms").glob("*.xlsx"))
    def designations(rows: list[dict]) -> set[tuple]:
        return {(normalise_brn(r["사업자등록번호"]), r["성장단계"], parse_date(r["지정일자"])) for r in rows}
    assert designations(_firm_rows(tmp_path, [])) == designations(_firm_rows(out, manifest))
    header, *rows = _csv_rows(tmp_path / "employment" / "nps_202307.csv")
    _, published = _employment(out, "202307")
    assert len(rows) == len(published)
    assert {r[0] for r in rows} == {"202307"}
    region, sigungu = _column("법정동주소광역시도코드"), _column("법정동주소광역시시군구코드")
    addressed = [r for r in rows if not _is_site(r)]
    assert all(re.fullmatch(r"\d{5}", r[sigungu]) and r[sigungu][:2] == r[region] for r in addressed)
    assert all(r[sigungu] == "" for r in rows if _is_site(r))
    for name in ("적용일자", "탈퇴일자"):
        values = [r[_column(name)] for r in rows if r[_column(name)]]
        assert values and all(re.fullmatch(r"\d{8}", v) for v in values)
    spaced = [h for path in (tmp_path / "employment").iterdir() for h in [_csv_rows(path)[0]]
              if any(name.startswith(" ") for name in h)]
    assert spaced and all(sum(name.startswith(" ") for name in h) < len(h) - 1 for h in spaced)


def test_the_generator_imports_the_feed_contracts_and_nothing_else_of_ingestion():
    import ast

    package = Path(__file__).resolve().parents[1] / "generator"
    imported = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    from_ingestion = {name for name in imported if name.split(".")[0] == "ingestion"}
    assert from_ingestion and all(name.startswith("ingestion.contracts") for name in from_ingestion), from_ingestion
    assert not {name for name in imported if name.split(".")[0] in ("orchestration", "quality", "serving")}
