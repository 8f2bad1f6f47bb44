"""Loads quality/checks.yml, the single home of check names, tables, severities, rules and thresholds."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "checks.yml"
SEVERITIES = ("blocking", "warning")


@dataclass(frozen=True)
class Programme:
    region_codes: tuple[str, ...]


@dataclass(frozen=True)
class CheckSpec:
    name: str
    table: str
    kind: str
    severity: str
    rule_template: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def rule(self) -> str:
        """The rule text with its thresholds filled in (lists written as comma-separated words)."""
        readable = {k: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v for k, v in self.params.items()}
        return " ".join(self.rule_template.format(**readable).split())


@dataclass(frozen=True)
class QualityConfig:
    version: int
    programme: Programme
    checks: tuple[CheckSpec, ...]

    def checks_for(self, table: str | None = None) -> tuple[CheckSpec, ...]:
        if table is None:
            return self.checks
        return tuple(c for c in self.checks if c.table == table)

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.table for c in self.checks))

    def check(self, name: str) -> CheckSpec:
        for spec in self.checks:
            if spec.name == name:
                return spec
        raise KeyError(f"no check named {name!r} in checks.yml")


def load_config(path: str | Path | None = None) -> QualityConfig:
    raw = yaml.safe_load(Path(path or DEFAULT_CONFIG_PATH).read_text(encoding="utf-8"))
    prog = raw["programme"]
    programme = Programme(
        region_codes=tuple(str(c) for c in prog["region_codes"]),
    )
    checks = tuple(
        CheckSpec(name=c["name"], table=c["table"], kind=c["kind"], severity=c["severity"],
                  rule_template=c["rule"], params=dict(c.get("params") or {}))
        for c in raw["checks"]
    )
    names = [c.name for c in checks]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"checks.yml names a check twice: {duplicated}")
    bad = [c.name for c in checks if c.severity not in SEVERITIES]
    if bad:
        raise ValueError(f"checks.yml: severity must be one of {SEVERITIES}: {bad}")
    return QualityConfig(version=int(raw["version"]), programme=programme, checks=checks)
