"""Quality gate: compare a report with committed thresholds (eval/thresholds.json).

Format::

    {
      "min": {"hoidap": {"recall@5": 0.9, "fact_accuracy": 0.6, "by_diacritics/without/recall@5": 0.85}},
      "max": {"hoidap": {"latency_p95_ms": 5000}}
    }

A metric name is a key of the system's "overall" metrics, or a path into its breakdowns
("by_type/numeric/fact_accuracy"). A metric that was not measured (system not run, no
items of that kind) fails the gate: a gate must never pass by accident. Keys starting
with "_" are comments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class GateError(Exception):
    """The thresholds file is unreadable or malformed."""


@dataclass
class Check:
    system: str
    metric: str
    bound: float
    kind: str  # "min" | "max"
    value: float | None

    @property
    def ok(self) -> bool:
        if self.value is None:
            return False
        return self.value >= self.bound if self.kind == "min" else self.value <= self.bound

    def describe(self) -> str:
        if self.value is None:
            return f"FAIL {self.system} {self.metric}: not measured (threshold {self.kind} {self.bound:g})"
        op = ">=" if self.kind == "min" else "<="
        status = "ok  " if self.ok else "FAIL"
        relation = op if self.ok else ("<" if self.kind == "min" else ">")
        return f"{status} {self.system} {self.metric} = {self.value:.4g} {relation} {self.bound:g}"


def load_thresholds(path: Path) -> dict[str, dict[str, dict[str, float]]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GateError(f"cannot read thresholds {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise GateError(f"{path}: expected a JSON object with 'min' and/or 'max'")
    out: dict[str, dict[str, dict[str, float]]] = {}
    for kind in ("min", "max"):
        section = data.get(kind, {})
        if not isinstance(section, dict):
            raise GateError(f"{path}: '{kind}' must map system names to {{metric: number}}")
        out[kind] = {}
        for system, metrics in section.items():
            if system.startswith("_"):
                continue
            if not isinstance(metrics, dict):
                raise GateError(f"{path}: '{kind}.{system}' must map metric names to numbers")
            bounds = {}
            for metric, bound in metrics.items():
                if metric.startswith("_"):
                    continue
                if isinstance(bound, bool) or not isinstance(bound, (int, float)):
                    raise GateError(f"{path}: '{kind}.{system}.{metric}' must be a number")
                bounds[metric] = float(bound)
            out[kind][system] = bounds
    unknown = [k for k in data if k not in ("min", "max") and not k.startswith("_")]
    if unknown:
        raise GateError(f"{path}: unknown key(s) {', '.join(unknown)} (use 'min', 'max', or '_comment')")
    return out


def metric_value(report: dict[str, Any], system: str, metric: str) -> float | None:
    section = report.get("systems", {}).get(system)
    if not isinstance(section, dict):
        return None
    parts = metric.split("/")
    node: Any = section.get("overall", {}) if len(parts) == 1 else section
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def check(report: dict[str, Any], thresholds: dict[str, dict[str, dict[str, float]]]) -> list[Check]:
    checks = []
    for kind in ("min", "max"):
        for system, metrics in thresholds.get(kind, {}).items():
            for metric, bound in metrics.items():
                checks.append(Check(system, metric, bound, kind, metric_value(report, system, metric)))
    return checks
