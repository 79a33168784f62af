"""The learned answer/abstain decision, scored with plain Python from a reviewed parameters file.

`hoidap train` fits a model on gold questions (scikit-learn, at training time only) and writes
answer/decision.json: the feature names, the model (standardised logistic regression, or a
small gradient-boosted tree ensemble), the threshold chosen on out-of-fold predictions for a
stated abstention precision, and the figures it was chosen on. Serving reads the file once.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hoidap.answer.features import Candidate, QuestionView, is_usable

DEFAULT_PATH = Path(__file__).resolve().parent / "decision.json"


class DecisionFileError(ValueError):
    """The parameters file is missing, unreadable or does not fit the feature set."""


@dataclass
class Decision:
    features: tuple[str, ...]
    model: dict[str, Any]
    threshold: float
    claim_ratio: float = 0.6
    info: dict[str, Any] | None = None

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> "Decision":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls.from_dict(data)
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DecisionFileError(f"cannot read answer decision parameters {path}: {exc}") from exc

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Decision":
        return cls(tuple(data["features"]), data["model"], float(data["threshold"]),
                   float(data.get("claim_ratio", 0.6)), data)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.info or {})
        out.update(features=list(self.features), model=self.model, threshold=self.threshold,
                   claim_ratio=self.claim_ratio)
        return out

    def probability(self, vector: list[float]) -> float:
        """P(this candidate states the answer)."""
        kind = self.model["kind"]
        if kind == "logistic":
            z = self.model["intercept"] + sum(
                w * (x - m) / s for w, x, m, s in zip(self.model["coef"], vector, self.model["mean"], self.model["scale"])
            )
        elif kind == "boosting":
            z = self.model["init"] + self.model["learning_rate"] * sum(_tree(t, vector) for t in self.model["trees"])
        else:
            raise DecisionFileError(f"unknown model kind {kind!r}")
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def score(self, view: QuestionView, cands: list[Candidate]) -> list[tuple[float, Candidate]]:
        """Candidates with their probability, best first; a candidate failing the type check scores 0."""
        scored = [(self.probability(c.vector(self.features)) if is_usable(view, c) else 0.0, c) for c in cands]
        return sorted(scored, key=lambda pc: -pc[0])

    def choose(self, view: QuestionView, cands: list[Candidate], max_claims: int) -> list[Candidate]:
        """The claims to answer with: best window per passage, scoring above the threshold and near
        the best, at most two per document; none (abstain) when the best misses the threshold."""
        scored = self.score(view, cands)
        if not scored or scored[0][0] < self.threshold:
            return []
        bar = max(self.threshold, self.claim_ratio * scored[0][0])
        chosen: list[Candidate] = []
        per_doc: dict[str, int] = {}
        seen: set[str] = set()
        for p, cand in scored:
            if p < bar or len(chosen) >= max_claims:
                break
            chunk, doc = cand.hit.chunk.id, cand.hit.chunk.source
            if chunk in seen or per_doc.get(doc, 0) >= 2:
                continue
            seen.add(chunk)
            per_doc[doc] = per_doc.get(doc, 0) + 1
            chosen.append(cand)
        return chosen


def _tree(tree: dict[str, list], x: list[float]) -> float:
    """One regression tree in sklearn's array layout (left/right child -1 at a leaf)."""
    node = 0
    left, right, feat, thr, value = tree["left"], tree["right"], tree["feature"], tree["threshold"], tree["value"]
    while left[node] != -1:
        node = left[node] if x[feat[node]] <= thr[node] else right[node]
    return value[node]
