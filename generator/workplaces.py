"""The workplace population behind the employment feed: every NPS-enrolled workplace the generator simulates.

Each workplace gets fixed attributes (region, masked business number, industry, address, name pieces, size, entry
and exit months) as whole numpy columns, so a national population of ~650,000 workplaces builds in about a
second. Text columns are kept as CP949 byte arrays (pyarrow binary), the encoding the employment file ships in.
The population has the public file's oddities: construction sites registered as day-labour workplaces (no address),
names with a comma, and the workplaces of a 시군구 that moved to another region (군위군, 경북 to 대구).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator.reference import INDIVIDUAL_COVERAGE_FROM, Region, Scale, SigunguMove

ENCODING = "cp949"

# Share of enrolled workplaces by region (current code), skewed like Korea's: the capital area holds about half.
REGION_WEIGHTS = {
    "11": 0.265, "41": 0.245, "28": 0.055, "26": 0.065, "27": 0.046, "29": 0.028, "30": 0.027, "31": 0.019,
    "36": 0.006, "51": 0.026, "43": 0.030, "44": 0.038, "52": 0.030, "46": 0.030, "47": 0.045, "48": 0.060,
    "50": 0.013,
}
# First two digits of the 5-digit postcodes in each region.
POSTCODE_PREFIXES = {
    "11": (1, 8), "41": (10, 18), "28": (21, 23), "51": (24, 26), "43": (27, 29), "36": (30, 30), "44": (31, 33),
    "30": (34, 35), "47": (36, 40), "27": (41, 43), "31": (44, 45), "26": (46, 49), "48": (50, 53), "52": (54, 56),
    "46": (57, 60), "29": (61, 62), "50": (63, 63),
}
METROPOLITAN = frozenset({"11", "26", "27", "28", "29", "30", "31"})

# KSIC divisions: (division, name as the NPS file writes it, share of workplaces). Manufacturing is 10-34.
DIVISIONS = (
    (10, "식료품 제조업", 1.6), (11, "음료 제조업", 0.2), (13, "섬유제품 제조업", 0.8), (14, "의복 및 모피제품 제조업", 0.9),
    (15, "가죽 가방 및 신발 제조업", 0.3), (16, "목재 및 나무제품 제조업", 0.3), (17, "펄프 종이 및 종이제품 제조업", 0.5),
    (18, "인쇄 및 기록매체 복제업", 0.6), (19, "코크스 연탄 및 석유정제품 제조업", 0.05),
    (20, "화학물질 및 화학제품 제조업", 1.0), (21, "의료용 물질 및 의약품 제조업", 0.3), (22, "고무 및 플라스틱제품 제조업", 1.4),
    (23, "비금속 광물제품 제조업", 0.8), (24, "1차 금속 제조업", 0.7), (25, "금속가공제품 제조업", 3.0),
    (26, "전자부품 컴퓨터 영상 음향 및 통신장비 제조업", 1.4), (27, "의료 정밀 광학기기 및 시계 제조업", 0.8),
    (28, "전기장비 제조업", 1.3), (29, "기타 기계 및 장비 제조업", 3.0), (30, "자동차 및 트레일러 제조업", 1.2),
    (31, "기타 운송장비 제조업", 0.4), (32, "가구 제조업", 0.4), (33, "기타 제품 제조업", 0.5),
    (34, "산업용 기계 및 장비 수리업", 0.3),
    (41, "종합 건설업", 4.0), (42, "전문직별 공사업", 8.0), (46, "도매 및 상품 중개업", 12.0), (47, "소매업", 7.0),
    (49, "육상 운송업", 3.0), (52, "창고 및 운송관련 서비스업", 1.5), (56, "음식점 및 주점업", 5.0), (58, "출판업", 2.0),
    (62, "컴퓨터 프로그래밍 시스템 통합 및 관리업", 3.0), (63, "정보서비스업", 0.8), (68, "부동산업", 3.0),
    (70, "연구개발업", 1.0), (71, "전문 서비스업", 4.0), (72, "건축기술 엔지니어링 및 기타 과학기술 서비스업", 3.0),
    (74, "사업시설 관리 및 조경 서비스업", 3.0), (75, "사업 지원 서비스업", 4.0), (85, "교육 서비스업", 4.0),
    (86, "보건업", 6.0), (87, "사회복지 서비스업", 3.0), (96, "기타 개인 서비스업", 2.0),
)

# Name pieces: a corporate name is HEAD + (space) + TAIL wrapped in a legal form; Latin names are an acronym + word.
HEADS = (
    "한빛", "대성", "동양", "세진", "우리", "미래", "태양", "삼화", "신성", "영진", "대한", "금강", "동아", "성진", "유니",
    "에이스", "그린", "나노", "하이", "스마트", "코리아", "제일", "광명", "보람", "새한", "일진", "청운", "해동", "서진",
    "태광", "동진", "한울", "누리", "다온", "가온", "하나", "진성", "명진", "고려", "가야", "탐라", "경동", "중앙", "아주",
    "정우", "성우", "대양", "은하", "별빛", "한솔", "푸른", "바른", "수성", "천일", "용진", "세원", "대원", "현성", "오성",
    "한결",
)
TAILS = (
    "정밀", "테크", "산업", "전자", "기계", "소재", "바이오", "에너지", "화학", "시스템", "엔지니어링", "금속", "플라스틱",
    "식품", "물산", "건설", "유통", "물류", "솔루션", "메디칼", "네트웍스", "디자인", "컨설팅", "푸드", "모빌리티",
    "로보틱스", "반도체", "광학", "섬유", "제약", "환경", "상사", "무역", "개발", "정보통신", "소프트", "이앤씨", "에스텍",
    "텍스", "파워",
)
SHOPS = ("상회", "의원", "치과의원", "약국", "식당", "학원", "공업사", "세무회계사무소", "한의원", "마트", "카센터", "건축사사무소")
LATIN_WORDS = ("Tech", "Solutions", "Bio", "Systems", "Materials", "Robotics", "Labs", "Networks", "Energy", "Motors")
LETTERS = tuple("ABCDEFGHIJKLMNOPRSTUVWY")
# Legal forms of a corporation's name: (prefix, suffix).
LEGAL_FORMS = (("(주)", ""), ("주식회사 ", ""), ("", "(주)"), ("주식회사", ""), ("(주) ", ""))
LEGAL_FORM_WEIGHTS = (0.4, 0.3, 0.12, 0.1, 0.08)
CORPORATE_TYPES = (81, 86, 87, 88)
# Construction sites enrol their day labourers as a workplace of their own, "<firm>/일용/<site>", with no address.
CONSTRUCTION_DIVISIONS = (41, 42)
CONSTRUCTION_SITE_SHARE = 0.3    # of corporate workplaces in construction
SITE_PLACES = ("지구", "타운", "센트럴", "파크", "물류센터", "지식산업센터", "숲", "역세권")
SITE_WORKS = ("신축공사", "신축현장", "증축공사", "건설공사", "현장")
COMMA_NAME_SHARE = 0.01          # corporate names written "HEAD, TAIL"
MOVED_SIGUNGU_SHARE = 0.06       # of the old region's workplaces, placed in a 시군구 that later moved

EXIT_HAZARD = 0.006       # monthly probability that a workplace withdraws
GROWER_SHARE = 0.2        # workplaces on a fast-growth path (whose history shows it)
GROWER_DRIFT = 0.02       # their extra monthly log growth
BIRTH_RATE = 0.0075       # new corporate workplaces per month, relative to the starting population
INDIVIDUAL_SHARE = 0.09   # individual workplaces among those enrolled once they are covered
REREGISTERED_BEFORE = np.datetime64("2015-01-01")   # re-registrations happened before any window starts


def encoded(texts) -> pa.Array:
    """A pyarrow binary array of the texts in CP949."""
    return pa.array([text.encode(ENCODING) for text in texts], pa.binary())


def join(*parts, sep: bytes = b"") -> pa.Array:
    """Element-wise concatenation of binary arrays (or byte scalars) with a separator."""
    scalars = [pa.scalar(part, pa.binary()) if isinstance(part, bytes) else part for part in parts]
    return pc.binary_join_element_wise(*scalars, pa.scalar(sep, pa.binary()))


def digits(values: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as zero-padded ASCII digits."""
    text = pc.cast(pa.array(values.astype(np.int64)), pa.string())
    return pc.cast(pc.utf8_lpad(text, width, "0"), pa.binary())


def dates_text(values: np.ndarray, dashed: bool) -> pa.Array:
    """datetime64[D] values as YYYY-MM-DD (`dashed`) or YYYYMMDD; NaT becomes an empty field."""
    missing = np.isnat(values)
    days = np.where(missing, np.datetime64("2000-01-01"), values)
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    year = years.astype(np.int64) + 1970
    month = (months - years).astype(np.int64) + 1
    day = (days - months).astype(np.int64) + 1
    if dashed:
        text = join(digits(year, 4), b"-", digits(month, 2), b"-", digits(day, 2))
    else:
        text = digits(year * 10_000 + month * 100 + day, 8)
    return pc.if_else(pa.array(missing), b"", text)


def csv_quoted(values: pa.Array) -> pa.Array:
    """CSV fields: a value holding a comma or a double quote is quoted, its inner quotes doubled."""
    needs_quotes = pc.or_(pc.match_substring(values, ","), pc.match_substring(values, '"'))
    quoted = join(b'"', pc.replace_substring(values, '"', '""'), b'"')
    return pc.if_else(needs_quotes, quoted, values)


@dataclass
class WorkplacePool:
    """Fixed attributes of every simulated workplace, one numpy array per attribute."""

    region: np.ndarray          # index into the regions tuple
    corporate: np.ndarray       # bool: 1 법인 (True) or 2 개인
    prefix6: np.ndarray         # masked business number: tax office (3) + entity type (2) + first serial digit
    division: np.ndarray        # KSIC division
    ksic: np.ndarray            # KSIC 5-digit sub-class
    log_size: np.ndarray        # latent log subscriber count in the month before the window
    drift: np.ndarray           # the workplace's own monthly log growth
    billed_per_head: np.ndarray  # monthly contribution billed per subscriber, KRW
    entry: np.ndarray           # first window month (index) the workplace appears
    exit: np.ndarray            # window month it withdraws (appears with status 2); beyond the window = never
    born_in_window: np.ndarray  # bool: enrolled in its entry month (all its subscribers are new then)
    covered_from: np.ndarray    # datetime64[D]
    reregistered: np.ndarray    # datetime64[D] or NaT
    sigungu: np.ndarray         # 3-digit city/county part of the legal-dong code
    town: np.ndarray            # 3-digit legal town part
    admin_town: np.ndarray      # 3-digit administrative town part
    postcode: np.ndarray
    street: np.ndarray          # index into HEADS for the town and road names
    street_no: np.ndarray
    head: np.ndarray            # name pieces
    tail: np.ndarray
    spaced: np.ndarray          # bool: a space between HEAD and TAIL
    comma: np.ndarray           # bool: ", " between HEAD and TAIL (Korean corporate names only)
    construction_site: np.ndarray  # bool: a day-labour site workplace of a construction firm, no address
    site_place: np.ndarray      # index into SITE_PLACES (the site is HEADS[street] + place)
    site_works: np.ndarray      # index into SITE_WORKS
    latin: np.ndarray           # bool: an acronym + Latin word instead of HEAD + TAIL
    acronym: np.ndarray         # (n, 3) indices into LETTERS
    latin_word: np.ndarray
    latin_upper: np.ndarray     # bool: the Latin name written in capitals
    legal_form: np.ndarray      # index into LEGAL_FORMS (corporations)
    shop: np.ndarray            # index into SHOPS (individual workplaces)
    file_rank: np.ndarray       # position in the monthly file

    def __len__(self) -> int:
        return len(self.region)

    def extended(self, other: "WorkplacePool") -> "WorkplacePool":
        return WorkplacePool(**{f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)])
                                for f in fields(self)})

    def subset(self, index: np.ndarray) -> "WorkplacePool":
        return WorkplacePool(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def base_name(self, i: int, spaced: bool | None = None, upper: bool | None = None) -> str:
        """Name of workplace i without its legal form (optionally with spacing or capitals switched)."""
        if self.latin[i]:
            word = LATIN_WORDS[self.latin_word[i]]
            word = word.upper() if (self.latin_upper[i] if upper is None else upper) else word
            return "".join(LETTERS[k] for k in self.acronym[i]) + " " + word
        gap = " " if (self.spaced[i] if spaced is None else spaced) else ""
        return HEADS[self.head[i]] + gap + TAILS[self.tail[i]]

    def names(self) -> pa.Array:
        """The name every workplace carries in the NPS file, CP949 bytes."""
        latin_words = encoded(LATIN_WORDS + tuple(w.upper() for w in LATIN_WORDS))
        letters = encoded(LETTERS)
        latin_name = join(*(letters.take(pa.array(self.acronym[:, k])) for k in range(3)), b" ",
                          latin_words.take(pa.array(self.latin_word + len(LATIN_WORDS) * self.latin_upper)))
        gap = pc.if_else(pa.array(self.comma), b", ", pc.if_else(pa.array(self.spaced), b" ", b""))
        korean_name = join(encoded(HEADS).take(pa.array(self.head)), gap, encoded(TAILS).take(pa.array(self.tail)))
        base = pc.if_else(pa.array(self.latin), latin_name, korean_name)
        prefixes = encoded(prefix for prefix, _ in LEGAL_FORMS).take(pa.array(self.legal_form))
        suffixes = encoded(suffix for _, suffix in LEGAL_FORMS).take(pa.array(self.legal_form))
        corporate_name = join(prefixes, base, suffixes)
        site = join("/일용/".encode(ENCODING), encoded(HEADS).take(pa.array(self.street)),
                    encoded(SITE_PLACES).take(pa.array(self.site_place)), b" ",
                    encoded(SITE_WORKS).take(pa.array(self.site_works)))
        corporate_name = pc.if_else(pa.array(self.construction_site), join(corporate_name, site), corporate_name)
        shop_name = join(encoded(HEADS).take(pa.array(self.head)), encoded(SHOPS).take(pa.array(self.shop)))
        return pc.if_else(pa.array(self.corporate), corporate_name, shop_name)


def tax_offices(regions: tuple[Region, ...]) -> dict[int, np.ndarray]:
    """3-digit tax office codes per region, split by region size (a business number's first digits)."""
    weights = np.array([REGION_WEIGHTS[r.code] for r in regions])
    counts = np.maximum(4, np.floor(weights / weights.sum() * 690)).astype(int)
    bounds = 101 + np.concatenate([[0], np.cumsum(counts)])
    return {i: np.arange(bounds[i], bounds[i + 1]) for i in range(len(regions))}


def random_workplaces(rng: np.random.Generator, regions: tuple[Region, ...], n: int, corporate: bool,
                      entry: np.ndarray, born: np.ndarray, covered_from: np.ndarray,
                      capital_area: bool = True) -> WorkplacePool:
    """`n` workplaces with attributes drawn independently (entry months and coverage dates given).

    `capital_area=False` keeps them out of 서울, 인천 and 경기.
    """
    weights = np.array([REGION_WEIGHTS[r.code] * (capital_area or not r.is_capital_area) for r in regions])
    region = rng.choice(len(regions), n, p=weights / weights.sum())
    offices = tax_offices(regions)
    office = np.empty(n, dtype=np.int64)
    for i, codes in offices.items():
        here = region == i
        office[here] = rng.choice(codes, here.sum())
    if corporate:
        entity = rng.choice(CORPORATE_TYPES, n, p=(0.35, 0.45, 0.1, 0.1))
    else:
        entity = rng.integers(1, 80, n)
    prefix6 = office * 1000 + entity * 10 + rng.integers(0, 10, n)

    division_codes = np.array([d for d, _, _ in DIVISIONS])
    division_weights = np.array([w for _, _, w in DIVISIONS])
    division = rng.choice(division_codes, n, p=division_weights / division_weights.sum())
    ksic = division * 1000 + rng.integers(1, 10, n) * 100 + rng.integers(1, 10, n) * 10 + rng.integers(0, 10, n)

    subscribers = np.exp(rng.normal(1.45, 1.05, n)) + (2 if corporate else 10)
    tail = rng.random(n) < 0.02
    subscribers[tail] *= 1 + rng.pareto(1.16, tail.sum()) * 8
    subscribers = np.minimum(subscribers, 90_000)
    income = np.exp(rng.normal(np.log(3_300_000), 0.35, n))
    billed_per_head = np.minimum(555_300, np.round(income * 0.09, -1))

    sigungu_count = np.array([1 if r.code == "36" else 6 + min(19, round(REGION_WEIGHTS[r.code] * 100))
                              for r in regions])
    low = np.array([POSTCODE_PREFIXES[r.code][0] for r in regions])
    high = np.array([POSTCODE_PREFIXES[r.code][1] for r in regions])
    postcode = (low[region] + rng.integers(0, 1_000_000, n) % (high[region] - low[region] + 1)) * 1000 \
        + rng.integers(0, 1000, n)
    reregistered = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    again = (rng.random(n) < 0.05) & (covered_from < REREGISTERED_BEFORE)
    span = (REREGISTERED_BEFORE - covered_from[again]).astype(int)
    reregistered[again] = covered_from[again] + (rng.random(again.sum()) * span).astype(int)

    drift = rng.normal(0.001, 0.004, n) + GROWER_DRIFT * (rng.random(n) < GROWER_SHARE)
    latin = corporate & (rng.random(n) < 0.04)
    comma = corporate & ~latin & (rng.random(n) < COMMA_NAME_SHARE)
    construction_site = corporate & np.isin(division, CONSTRUCTION_DIVISIONS) \
        & (rng.random(n) < CONSTRUCTION_SITE_SHARE)
    return WorkplacePool(
        region=region, corporate=np.full(n, corporate), prefix6=prefix6, division=division, ksic=ksic,
        log_size=np.log(subscribers), drift=drift, billed_per_head=billed_per_head,
        entry=entry, exit=np.zeros(n, dtype=np.int64), born_in_window=born, covered_from=covered_from,
        reregistered=reregistered,
        sigungu=110 + 30 * (rng.integers(0, 1_000_000, n) % sigungu_count[region]),
        town=rng.integers(101, 160, n), admin_town=rng.integers(51, 70, n) * 10, postcode=postcode,
        street=rng.integers(0, len(HEADS), n), street_no=rng.integers(1, 400, n),
        head=rng.integers(0, len(HEADS), n), tail=rng.integers(0, len(TAILS), n), spaced=rng.random(n) < 0.25,
        comma=comma, construction_site=construction_site, site_place=rng.integers(0, len(SITE_PLACES), n),
        site_works=rng.integers(0, len(SITE_WORKS), n),
        latin=latin, acronym=rng.integers(0, len(LETTERS), (n, 3)), latin_word=rng.integers(0, len(LATIN_WORDS), n),
        latin_upper=rng.random(n) < 0.5, legal_form=rng.choice(len(LEGAL_FORMS), n, p=LEGAL_FORM_WEIGHTS),
        shop=rng.integers(0, len(SHOPS), n), file_rank=rng.random(n),
    )


def _dates_between(rng: np.random.Generator, start: dt.date, end: dt.date, n: int) -> np.ndarray:
    first, last = np.datetime64(start, "D"), np.datetime64(end, "D")
    return first + (rng.random(n) * (last - first).astype(int)).astype(int)


def moved_sigungu(pool: WorkplacePool, regions: tuple[Region, ...], move: SigunguMove) -> np.ndarray:
    """bool per workplace: it sits in the 시군구 that `move` took to another region."""
    new_region = next(k for k, r in enumerate(regions) if r.code == move.new_region)
    return (pool.region == new_region) & (pool.sigungu == int(move.sigungu))


def in_any_moved_sigungu(pool: WorkplacePool, regions: tuple[Region, ...],
                         moves: tuple[SigunguMove, ...]) -> np.ndarray:
    """bool per workplace: it sits in one of the 시군구 that moved to another region."""
    moved = np.zeros(len(pool), dtype=bool)
    for move in moves:
        moved |= moved_sigungu(pool, regions, move)
    return moved


def _place_in_moved_sigungu(rng: np.random.Generator, pool: WorkplacePool, regions: tuple[Region, ...],
                            moves: tuple[SigunguMove, ...]) -> None:
    """Put a share of each old region's workplaces in the 시군구 that moved; their current region is the new one.

    Postcode and business number keep the old region's ranges, as the real places did. The 3-digit part of a
    moved 시군구 (720) is off the grid of synthetic parts (110 + 30k), so no other workplace shares it.
    """
    position = {r.code: k for k, r in enumerate(regions)}
    for move in moves:
        old = np.flatnonzero(pool.region == position[move.old_region])
        moving = old[rng.random(len(old)) < MOVED_SIGUNGU_SHARE]
        pool.region[moving] = position[move.new_region]
        pool.sigungu[moving] = int(move.sigungu)


def build_pool(rng: np.random.Generator, regions: tuple[Region, ...], moves: tuple[SigunguMove, ...], scale: Scale,
               months: list[dt.date]) -> WorkplacePool:
    """Every workplace enrolled at some point in the window, sized so the last month holds `scale.workplaces`."""
    n_months = len(months)
    survive_all = (1 - EXIT_HAZARD) ** n_months
    births_surviving = BIRTH_RATE * sum((1 - EXIT_HAZARD) ** k for k in range(n_months))
    corporate_end = scale.workplaces * (1 - INDIVIDUAL_SHARE)
    initial = round(corporate_end / (survive_all + births_surviving))
    births_per_month = round(initial * BIRTH_RATE)

    window_start = months[0]
    existing = random_workplaces(rng, regions, initial, True, np.zeros(initial, dtype=np.int64),
                            np.zeros(initial, dtype=bool),
                            _dates_between(rng, dt.date(1988, 1, 1), window_start - dt.timedelta(days=1), initial))
    existing.exit = rng.geometric(EXIT_HAZARD, initial) - 1

    birth_entry = np.repeat(np.arange(n_months), births_per_month)
    birth_dates = np.array([np.datetime64(m, "D") for m in months])[birth_entry] \
        + rng.integers(0, 28, len(birth_entry))
    born = random_workplaces(rng, regions, len(birth_entry), True, birth_entry, np.ones(len(birth_entry), dtype=bool),
                        birth_dates)
    born.exit = birth_entry + rng.geometric(EXIT_HAZARD, len(birth_entry))

    # Individual workplaces enter the file when coverage extends to them (or at the window start if later).
    coverage_index = max(0, (INDIVIDUAL_COVERAGE_FROM.year - window_start.year) * 12
                         + INDIVIDUAL_COVERAGE_FROM.month - window_start.month)
    months_covered = n_months - coverage_index
    individual_count = round(scale.workplaces * INDIVIDUAL_SHARE / (1 - EXIT_HAZARD) ** months_covered)
    individuals = random_workplaces(rng, regions, individual_count, False,
                               np.full(individual_count, coverage_index, dtype=np.int64),
                               np.zeros(individual_count, dtype=bool),
                               _dates_between(rng, dt.date(1995, 1, 1), INDIVIDUAL_COVERAGE_FROM, individual_count))
    individuals.exit = coverage_index + rng.geometric(EXIT_HAZARD, individual_count) - 1
    pool = existing.extended(born).extended(individuals)
    _place_in_moved_sigungu(rng, pool, regions, moves)
    return pool
