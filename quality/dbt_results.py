"""The dbt checks that guarded a run, for the audit report: every data test, unit test and enforced model contract
of dbt's last invocation, read from run_results.json and manifest.json in dbt's target path.

    dbt_checks(target_dir) -> list[dict]   kind (data_test | unit_test | contract), name, node, status, failures,
                                           message; [] when dbt left no run results there
"""
from __future__ import annotations

import json
from pathlib import Path

KINDS = {"test": "data_test", "unit_test": "unit_test"}


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def dbt_checks(target_dir: str | Path | None) -> list[dict]:
    if target_dir is None:
        return []
    results = _read(Path(target_dir) / "run_results.json")
    manifest = _read(Path(target_dir) / "manifest.json") or {}
    if not results:
        return []
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    checks = []
    for result in results.get("results", []):
        unique_id = result["unique_id"]
        resource_type = unique_id.split(".")[0]
        node = nodes.get(unique_id, {})
        if resource_type in KINDS:
            guarded = (node.get("attached_node") or node.get("model") or
                       ", ".join(n.split(".")[-1] for n in node.get("depends_on", {}).get("nodes", [])))
            checks.append({"kind": KINDS[resource_type], "name": node.get("name", unique_id),
                           "node": str(guarded).split(".")[-1],
                           "status": result["status"], "failures": result.get("failures"),
                           "message": result.get("message")})
        elif resource_type == "model" and (node.get("config", {}).get("contract") or {}).get("enforced"):
            checks.append({"kind": "contract", "name": f"contract of {unique_id.split('.')[-1]}",
                           "node": unique_id.split(".")[-1], "status": result["status"], "failures": None,
                           "message": result.get("message")})
    return sorted(checks, key=lambda c: (c["kind"], c["node"], c["name"]))
