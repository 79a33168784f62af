"""Fit the learned answer/abstain decision on a gold set (`hoidap train`), and its cross-validation.

Examples: for every gold question, the candidate windows of its retrieved passages (the same
retrieval and features the service uses). A candidate is positive when the question is
answerable, the candidate comes from an evidence document and quotes a gold fact (or lies
inside / holds the evidence quote); every candidate of an unanswerable question is negative.

Folds are split by document section of the evidence, so questions about one passage never
sit on both sides. The threshold is chosen on out-of-fold predictions: the lowest score at
which the share of unanswerable questions among the abstentions reaches the stated
precision, maximising correct decisions. scikit-learn is imported here only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from hoidap.answer.decision import Decision
from hoidap.answer.features import FEATURES, Candidate, QuestionView, candidates, is_usable
from hoidap.eval.gold import GoldItem, contains, squash

Kind = Literal["logistic", "boosting"]
SEED = 13
FOLDS = 5
TARGET_ABSTENTION_PRECISION = 0.85
# Feature groups for the ablation (each dropped in turn, out-of-fold).
GROUPS: dict[str, tuple[str, ...]] = {
    "coverage (accented)": ("cov", "cov_text", "cov_sentence", "cov_passage", "section_cov"),
    "coverage without diacritics": ("cov_folded",),
    "paraphrase table": ("cov_paraphrase",),
    "rarest word (anchor)": ("anchor", "anchor_passage", "rare_topic"),
    "retrieval rank and fused score": ("inv_rank", "score_rel"),
    "expected-type match": ("type_match", "type_exact", "new_number", "strict"),
    "span-to-question-word distance": ("span_near",),
    "window length": ("length",),
}


@dataclass
class Example:
    item: GoldItem
    view: QuestionView
    cands: list[Candidate]  # usable candidates only (the type check already passed)
    labels: list[int]
    group: str


def label(item: GoldItem, cand: Candidate) -> int:
    if not item.answerable:
        return 0
    docs = {e.doc for e in item.evidence}
    if cand.hit.chunk.source not in docs:
        return 0
    if any(contains(cand.quote, f) for f in item.facts):
        return 1
    window = squash(cand.quote)
    return int(any(len(window) >= 20 and (window in squash(e.quote) or squash(e.quote) in window) for e in item.evidence))


def collect(service, items: list[GoldItem], progress: bool = False) -> list[Example]:
    """Retrieve and build candidates for every gold question, as the service would when answering."""
    from tqdm import tqdm

    out = []
    for item in tqdm(items, desc="candidates", unit="q", disable=not progress, leave=False):
        query = service.understand(item.question)
        hits = [] if service._unknown_provinces(query) else service.retrieve(query)
        view = service.view(query)
        cands = [c for c in candidates(view, hits) if is_usable(view, c)]
        out.append(Example(item, view, cands, [label(item, c) for c in cands], _group(item, hits)))
    return out


def _group(item: GoldItem, hits) -> str:
    """Evidence document + top-level section of the passage holding the evidence (questions
    about one part of a plan share a fold); unanswerable questions spread by id."""
    if not item.answerable:
        return "none-" + str(int(hashlib.sha1(item.id.encode()).hexdigest(), 16) % FOLDS)
    ev = item.evidence[0]
    for hit in hits:
        if hit.chunk.source == ev.doc and squash(ev.quote) in squash(f"{hit.chunk.section}\n{hit.chunk.text}"):
            return f"{ev.doc}::{hit.chunk.section.split(' > ')[0]}"
    return ev.doc


def folds(examples: list[Example], k: int = FOLDS) -> list[int]:
    """A fold number per example; whole groups per fold, balanced by size (deterministic)."""
    sizes: dict[str, int] = {}
    for ex in examples:
        sizes[ex.group] = sizes.get(ex.group, 0) + 1
    load = [0] * k
    where: dict[str, int] = {}
    for g in sorted(sizes, key=lambda g: (-sizes[g], g)):
        f = min(range(k), key=lambda i: load[i])
        where[g] = f
        load[f] += sizes[g]
    return [where[ex.group] for ex in examples]


def _matrix(examples: list[Example], features: tuple[str, ...]) -> tuple[list[list[float]], list[int]]:
    X, y = [], []
    for ex in examples:
        for c, lab in zip(ex.cands, ex.labels):
            X.append(c.vector(features))
            y.append(lab)
    return X, y


def fit_model(examples: list[Example], kind: Kind, features: tuple[str, ...] = FEATURES, seed: int = SEED) -> dict[str, Any]:
    """The model part of a Decision, exported to plain lists."""
    import numpy as np

    X, y = _matrix(examples, features)
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if len(set(y.tolist())) < 2:
        raise ValueError("training needs positive and negative candidates (answerable and unanswerable gold items)")
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        mean, scale = X.mean(axis=0), X.std(axis=0)
        scale[scale == 0] = 1.0
        lr = LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit((X - mean) / scale, y)
        return {"kind": "logistic", "mean": mean.tolist(), "scale": scale.tolist(),
                "coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0])}
    from sklearn.ensemble import GradientBoostingClassifier

    gb = GradientBoostingClassifier(n_estimators=80, max_depth=3, learning_rate=0.1, subsample=0.8,
                                    min_samples_leaf=10, random_state=seed).fit(X, y)
    prior = float(y.mean())
    trees = []
    for est in gb.estimators_[:, 0]:
        t = est.tree_
        trees.append({"left": t.children_left.tolist(), "right": t.children_right.tolist(),
                      "feature": t.feature.tolist(), "threshold": [round(v, 6) for v in t.threshold.tolist()],
                      "value": [round(float(v), 6) for v in t.value[:, 0, 0]]})
    return {"kind": "boosting", "init": float(np.log(prior / (1 - prior))), "learning_rate": 0.1, "trees": trees}


def best_scores(decision: Decision, examples: list[Example]) -> list[tuple[float, bool]]:
    """Per question: the best candidate's probability and whether that candidate is positive."""
    out = []
    for ex in examples:
        probs = [decision.probability(c.vector(decision.features)) for c in ex.cands]
        if not probs:
            out.append((0.0, False))
            continue
        i = max(range(len(probs)), key=probs.__getitem__)
        out.append((probs[i], bool(ex.labels[i])))
    return out


def choose_threshold(rows: list[tuple[float, bool, bool]], precision: float = TARGET_ABSTENTION_PRECISION) -> float:
    """rows: (best score, best is positive, answerable). The threshold with the most correct
    decisions (answered with a positive claim, or abstained on an unanswerable question)
    among those whose abstentions are at least `precision` unanswerable."""
    best_t, best_key = 0.5, (-1, 0.0)
    for t in sorted({0.0, *[round(s, 4) for s, _, _ in rows]}):
        abstained = [ans for s, _, ans in rows if s < t]
        prec = sum(1 for a in abstained if not a) / len(abstained) if abstained else 1.0
        if prec < precision:
            continue
        correct = sum(1 for s, pos, ans in rows if (s >= t and ans and pos) or (s < t and not ans))
        if (correct, -t) > best_key:
            best_t, best_key = t, (correct, -t)
    return best_t


def out_of_fold(examples: list[Example], kind: Kind, features: tuple[str, ...] = FEATURES,
                k: int = FOLDS) -> list[tuple[float, bool, bool]]:
    """(best score, best positive, answerable) per question, each from a model not fitted on its fold."""
    fold_of = folds(examples, k)
    rows: list[tuple[float, bool, bool] | None] = [None] * len(examples)
    for f in range(k):
        train = [ex for ex, g in zip(examples, fold_of) if g != f]
        test = [(n, ex) for n, (ex, g) in enumerate(zip(examples, fold_of)) if g == f]
        if not test:
            continue
        decision = Decision(features, fit_model(train, kind, features), 0.5)
        for (n, ex), (s, pos) in zip(test, best_scores(decision, [ex for _, ex in test])):
            rows[n] = (s, pos, ex.item.answerable)
    return [r for r in rows if r is not None]


def fit_decision(examples: list[Example], kind: Kind, features: tuple[str, ...] = FEATURES, k: int = FOLDS) -> Decision:
    """A model fitted on all examples, with its threshold chosen on out-of-fold predictions."""
    rows = out_of_fold(examples, kind, features, k)
    threshold = choose_threshold(rows)
    info = {"target_abstention_precision": TARGET_ABSTENTION_PRECISION, "seed": SEED, "folds": k,
            "out_of_fold": decision_figures(rows, threshold)}
    return Decision(features, fit_model(examples, kind, features), threshold, info=info)


def decision_figures(rows: list[tuple[float, bool, bool]], t: float) -> dict[str, Any]:
    """Question-level figures of a threshold: how often the decision is right."""
    ans = [(s, pos) for s, pos, a in rows if a]
    un = [s for s, _, a in rows if not a]
    abstained = sum(1 for s, _ in ans if s < t) + sum(1 for s in un if s < t)
    return {
        "questions": len(rows),
        "correct_decisions": round(
            (sum(1 for s, pos in ans if s >= t and pos) + sum(1 for s in un if s < t)) / max(1, len(rows)), 4),
        "answerable_refused": round(sum(1 for s, _ in ans if s < t) / max(1, len(ans)), 4),
        "answered_with_positive_claim": round(sum(1 for s, pos in ans if s >= t and pos) / max(1, len(ans)), 4),
        "abstention_recall": round(sum(1 for s in un if s < t) / max(1, len(un)), 4),
        "abstention_precision": round(sum(1 for s in un if s < t) / abstained, 4) if abstained else None,
    }


def compare(examples: list[Example], log: Callable[[str], None] = print) -> dict[str, dict[str, Any]]:
    """Out-of-fold figures of both model kinds, and of each feature group left out (ablation)."""
    table: dict[str, dict[str, Any]] = {}
    for kind in ("logistic", "boosting"):
        rows = out_of_fold(examples, kind)
        table[kind] = decision_figures(rows, choose_threshold(rows))
        log(f"  {kind:<40} {_fmt(table[kind])}")
    return table


def ablation(examples: list[Example], kind: Kind, log: Callable[[str], None] = print) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for name, group in GROUPS.items():
        features = tuple(f for f in FEATURES if f not in group)
        rows = out_of_fold(examples, kind, features)
        table[name] = decision_figures(rows, choose_threshold(rows))
        log(f"  without {name:<32} {_fmt(table[name])}")
    return table


def _fmt(fig: dict[str, Any]) -> str:
    return (f"correct {fig['correct_decisions']:.3f}  refused {fig['answerable_refused']:.3f}  "
            f"positive-claim {fig['answered_with_positive_claim']:.3f}  abst. R {fig['abstention_recall']:.3f}  "
            f"abst. P {fig['abstention_precision'] if fig['abstention_precision'] is None else round(fig['abstention_precision'], 3)}")


def fold_decisions(examples: list[Example], kind: Kind, k: int = FOLDS) -> dict[str, Decision]:
    """For each question, a decision fitted (model and threshold) without its fold: the
    out-of-fold evaluation answers every question through the full service with it."""
    fold_of = folds(examples, k)
    out: dict[str, Decision] = {}
    for f in range(k):
        train = [ex for ex, g in zip(examples, fold_of) if g != f]
        decision = fit_decision(train, kind, k=k)
        for ex, g in zip(examples, fold_of):
            if g == f:
                out[ex.item.question] = decision
    return out
