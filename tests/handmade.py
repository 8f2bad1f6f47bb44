"""Hand-made landing files for tests: each writer produces a feed file exactly as its contract describes."""
from __future__ import annotations

import json
from pathlib import Path

from ingestion.contracts import employment, firms

EMPLOYMENT_HEADER = [h + (" " + employment.HEADER_LEGENDS[h] if h in employment.HEADER_LEGENDS else "")
                     for h in employment.HEADER]


def write_firms(landing: Path, name: str, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path = landing / "firms" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(",".join(r) for r in [list(firms.HEADER), *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_funding(landing: Path, name: str, events: list[dict | str]) -> Path:
    path = landing / "funding" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [e if isinstance(e, str) else json.dumps(e, ensure_ascii=False) for e in events]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def funding_event(event_id: str, brn: str = "134-86-72683", amount: int = 50_000_000, program: str = "GP300",
                  paid_on: str = "2024-03-05", reverses: str | None = None, project_id: str | None = None,
                  consortium_id: str | None = None) -> dict:
    return {"event_id": event_id, "brn": brn, "program_code": program, "project_id": project_id,
            "consortium_id": consortium_id, "amount_krw": amount, "paid_on": paid_on, "kind": "grant",
            "reverses": reverses}


def workplace_row(month: str = "2024-01", name: str = "(주)한빛정밀", brn_prefix: str = "134867", region: str = "26",
                  subscribers: int = 12, new: int = 1, lost: int = 0, industry: str = "292990") -> list[str]:
    """One NPS row in the published form: dashed dates, the 시군구 and 읍면동 codes as their 3-digit parts."""
    return [month, name, brn_prefix, "1", "46721", "부산광역시 강서구 녹산산단 1", "부산광역시 강서구 녹산산업중로 1",
            f"{region}44010500", f"{region}44051000", region, "440", "105", "1", industry,
            "기타 특수목적용 기계 제조업", "2015-03-01", "", "", str(subscribers), "1200000", str(new), str(lost)]


def write_employment(landing: Path, name: str, rows: list[list[str]], header: list[str] | None = None,
                     encoding: str = "cp949") -> Path:
    path = landing / "employment" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(",".join(r) for r in [header or EMPLOYMENT_HEADER, *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path
