"""Fit the learned answer/abstain decision on a gold set (`hoidap train`), and its cross-validation.

Examples: for every gold question, the candidate windows of its retrieved passages (the same
retrieval and features the service uses). A candidate is positive when the question is
answerable, the candidate comes from an evidence document and quotes a gold fact (or lies
inside / holds the evidence quote); every candidate of an unanswerable question is negative.

Folds are split by document section of the evidence, so questions about one passage never
sit on both sides. The threshold is chosen on out-of-fold predictions: the score with the most
correct decisions (a right claim, or an abstention on an unanswerable question), optionally
under a stated abstention precision. scikit-learn is imported here only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from hoidap.answer.decision import GATE_FEATURES, Decision, candidate_score, gate_vector, probability, task_named
from hoidap.answer.features import FEATURES, Candidate, QuestionView, candidates, is_usable
from hoidap.eval.gold import GoldItem, contains, squash

Kind = Literal["logistic", "boosting"]
SEED = 13
FOLDS = 5
# The threshold with the most correct decisions among those whose abstentions out of fold are at least
# this share unanswerable: issue 9's stated abstention precision. None: the most correct overall. In
# round 17 the most correct (0.8685 of 2,837 out of fold, threshold 0.74) abstained with precision 0.849
# and refused 5.3% of answerable questions; at 0.85 the threshold is 0.72 (0.8678, refused 5.2%): the
# curve is flat from 0.5 to 0.74 (0.863-0.869). (In round 7 a precision of 0.75 pushed the threshold
# down and abstained on fewer unanswerable questions out of fold, 0.48 vs 0.70.)
TARGET_ABSTENTION_PRECISION: float | None = 0.85
# The gate's L2 strength (sklearn's C, smaller = stronger). Its 18 question-level features overfit
# at C=1: chosen on held-out-6 as a development file, fitted on the other 846 questions, through the
# whole service — correct outcomes 156 (C=1), 156 (0.15), 158 (0.05), 158 (0.01) of 182; out of fold
# on the 846: 742, 748, 749, 739. The ranker's C stays 1 (at 0.05: 155 and 738).
GATE_C = 0.05
NO_CANDIDATE = -1.0  # gate score of a question without a usable candidate: always abstained
# Feature groups for the ablation (each dropped in turn, out-of-fold).
GROUPS: dict[str, tuple[str, ...]] = {
    "span-to-question-word distance": ("span_near", "span_near_gap"),
    "window length": ("length",),
    "missing word, year and number conflicts": ("miss_word", "year_conflict", "number_missing"),
    "gaps to the question's best candidate": ("cov_folded_gap", "span_near_gap"),
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


def fit_model(X: list[list[float]], y: list[int], kind: Kind, seed: int = SEED, C: float = 1.0) -> dict[str, Any]:
    """A model exported to plain lists (answer.decision.probability scores it)."""
    import numpy as np

    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if len(set(y.tolist())) < 2:
        raise ValueError("training needs positive and negative examples (answerable and unanswerable gold items)")
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        mean, scale = X.mean(axis=0), X.std(axis=0)
        scale[scale == 0] = 1.0
        lr = LogisticRegression(C=C, max_iter=2000, random_state=seed).fit((X - mean) / scale, y)
        return {"kind": "logistic", "mean": _r(mean), "scale": _r(scale), "coef": _r(lr.coef_[0]),
                "intercept": round(float(lr.intercept_[0]), 6)}
    from sklearn.ensemble import GradientBoostingClassifier

    gb = GradientBoostingClassifier(n_estimators=60, max_depth=3, learning_rate=0.1, subsample=0.8,
                                    min_samples_leaf=10, random_state=seed).fit(X, y)
    prior = float(y.mean())
    trees = []
    for est in gb.estimators_[:, 0]:
        t = est.tree_
        trees.append({"left": t.children_left.tolist(), "right": t.children_right.tolist(),
                      "feature": t.feature.tolist(), "threshold": _r(t.threshold), "value": _r(t.value[:, 0, 0])})
    return {"kind": "boosting", "init": float(np.log(prior / (1 - prior))), "learning_rate": 0.1, "trees": trees}


def _r(values) -> list[float]:
    return [round(float(v), 6) for v in values]


def fit_ranker(examples: list[Example], kind: Kind, features: tuple[str, ...] = FEATURES) -> dict[str, Any]:
    X, y = [], []
    for ex in examples:
        for c, lab in zip(ex.cands, ex.labels):
            X.append(c.vector(features))
            y.append(lab)
    return fit_model(X, y, kind)


@dataclass
class GateRow:
    vector: list[float] | None  # None: no usable candidate (always abstain)
    answerable: bool
    best_positive: bool


def gate_rows(examples: list[Example], ranker: dict[str, Any], features: tuple[str, ...]) -> list[GateRow]:
    """Question-level rows from a ranker's scores (the gate is fitted on these)."""
    rows = []
    for ex in examples:
        named = task_named(ex.cands)
        scored = sorted(((candidate_score(ranker, features, c, named), c, lab) for c, lab in zip(ex.cands, ex.labels)),
                        key=lambda t: -t[0])
        if not scored:
            rows.append(GateRow(None, ex.item.answerable, False))
            continue
        vec = gate_vector(ex.view, [(p, c) for p, c, _ in scored])
        rows.append(GateRow(vec, ex.item.answerable, bool(scored[0][2])))
    return rows


def fit_gate(rows: list[GateRow]) -> dict[str, Any]:
    usable = [r for r in rows if r.vector is not None]
    return fit_model([r.vector for r in usable], [int(r.answerable) for r in usable], "logistic", C=GATE_C)


def _oof_gate_rows(examples: list[Example], kind: Kind, features: tuple[str, ...], k: int) -> list[GateRow]:
    """Gate rows of every question from a ranker not fitted on its fold (stacking without leakage)."""
    fold_of = folds(examples, k)
    rows: list[GateRow | None] = [None] * len(examples)
    for f in range(k):
        test = [n for n, g in enumerate(fold_of) if g == f]
        if not test:
            continue
        ranker = fit_ranker([ex for ex, g in zip(examples, fold_of) if g != f], kind, features)
        for n, row in zip(test, gate_rows([examples[n] for n in test], ranker, features)):
            rows[n] = row
    return [r for r in rows if r is not None]


def out_of_fold(examples: list[Example], kind: Kind, features: tuple[str, ...] = FEATURES,
                k: int = FOLDS) -> list[tuple[float, bool, bool]]:
    """(gate probability, best candidate positive, answerable) per question, each question scored
    by a ranker and a gate neither of which saw its fold."""
    fold_of = folds(examples, k)
    rows = _oof_gate_rows(examples, kind, features, k)
    out: list[tuple[float, bool, bool]] = [(0.0, False, False)] * len(examples)
    for f in range(k):
        test = [n for n, g in enumerate(fold_of) if g == f]
        if not test:
            continue
        gate = fit_gate([r for r, g in zip(rows, fold_of) if g != f])
        for n in test:
            r = rows[n]
            out[n] = (probability(gate, r.vector) if r.vector is not None else NO_CANDIDATE, r.best_positive, r.answerable)
    return out


def fit_decision(examples: list[Example], kind: Kind, features: tuple[str, ...] = FEATURES, k: int = FOLDS) -> Decision:
    """Ranker and gate fitted on all examples (the gate on out-of-fold ranker scores), the
    threshold chosen on out-of-fold gate probabilities."""
    scores = out_of_fold(examples, kind, features, k)
    threshold = choose_threshold(scores)
    info = {"target_abstention_precision": TARGET_ABSTENTION_PRECISION, "seed": SEED, "folds": k,
            "gate_features": list(GATE_FEATURES), "out_of_fold": decision_figures(scores, threshold)}
    gate = fit_gate(_oof_gate_rows(examples, kind, features, k))
    return Decision(features, fit_ranker(examples, kind, features), gate, threshold, info=info)


def choose_threshold(rows: list[tuple[float, bool, bool]], precision: float | None = TARGET_ABSTENTION_PRECISION) -> float:
    """rows: (score, best candidate positive, answerable). The threshold with the most correct
    decisions (answered with a positive claim, or abstained on an unanswerable question) — with
    a precision, among those whose abstentions are at least that share unanswerable (the most
    correct overall when none reaches it)."""
    best: tuple[tuple[int, int, float], float] | None = None
    for t in sorted({0.0, *[round(s, 4) for s, _, _ in rows if s >= 0]}):
        abstained = [ans for s, _, ans in rows if s < t]
        prec = sum(1 for a in abstained if not a) / len(abstained) if abstained else 0.0
        correct = sum(1 for s, pos, ans in rows if (s >= t and ans and pos) or (s < t and not ans))
        key = (int(precision is None or prec >= precision), correct, -t)
        if best is None or key > best[0]:
            best = (key, t)
    return best[1] if best else 0.5


def decision_figures(rows: list[tuple[float, bool, bool]], t: float) -> dict[str, Any]:
    """Question-level figures of a threshold: how often the decision is right."""
    ans = [(s, pos) for s, pos, a in rows if a]
    un = [s for s, _, a in rows if not a]
    abstained = sum(1 for s, _ in ans if s < t) + sum(1 for s in un if s < t)
    return {
        "questions": len(rows),
        "threshold": t,
        "correct_decisions": round(
            (sum(1 for s, pos in ans if s >= t and pos) + sum(1 for s in un if s < t)) / max(1, len(rows)), 4),
        "answerable_refused": round(sum(1 for s, _ in ans if s < t) / max(1, len(ans)), 4),
        "answered_with_positive_claim": round(sum(1 for s, pos in ans if s >= t and pos) / max(1, len(ans)), 4),
        "abstention_recall": round(sum(1 for s in un if s < t) / max(1, len(un)), 4),
        "abstention_precision": round(sum(1 for s in un if s < t) / abstained, 4) if abstained else None,
    }


def compare(examples: list[Example], log: Callable[[str], None] = print) -> dict[str, dict[str, Any]]:
    """Out-of-fold figures of both ranker kinds."""
    table: dict[str, dict[str, Any]] = {}
    for kind in ("logistic", "boosting"):
        rows = out_of_fold(examples, kind)
        table[kind] = decision_figures(rows, choose_threshold(rows))
        log(f"  {kind:<40} {_fmt(table[kind])}")
    return table


# Boosted trees must beat the logistic ranker by this share of correct decisions out of fold to be chosen.
# The two tie on that proxy (0.873 each on 2,233 questions in round 14) while the logistic file answered
# more questions end to end: out of fold 2,069 against 2,045, development file 369 against 365 of 398, a
# development file in new voices 185 against 183 of 208; and its weights fit on one screen for review.
BOOSTING_MARGIN = 0.005


def choose_kind(models: dict[str, dict[str, Any]]) -> Kind:
    """The ranker kind `hoidap train --model auto` ships: logistic unless boosting is clearly better."""
    boosted, linear = models["boosting"]["correct_decisions"], models["logistic"]["correct_decisions"]
    return "boosting" if boosted > linear + BOOSTING_MARGIN else "logistic"


def ablation(examples: list[Example], kind: Kind, log: Callable[[str], None] = print) -> dict[str, dict[str, Any]]:
    """Out-of-fold figures with each feature group left out of the ranker."""
    table: dict[str, dict[str, Any]] = {}
    for name, group in GROUPS.items():
        features = tuple(f for f in FEATURES if f not in group)
        rows = out_of_fold(examples, kind, features)
        table[name] = decision_figures(rows, choose_threshold(rows))
        log(f"  without {name:<32} {_fmt(table[name])}")
    return table


def _fmt(fig: dict[str, Any]) -> str:
    p = fig["abstention_precision"]
    return (f"correct {fig['correct_decisions']:.3f}  refused {fig['answerable_refused']:.3f}  "
            f"positive-claim {fig['answered_with_positive_claim']:.3f}  abst. R {fig['abstention_recall']:.3f}  "
            f"abst. P {'—' if p is None else f'{p:.3f}'}")


def fold_decisions(examples: list[Example], kind: Kind, k: int = FOLDS) -> dict[str, Decision]:
    """For each question, a decision fitted (ranker, gate and threshold) without its fold: the
    out-of-fold evaluation answers every question through the full service with it."""
    fold_of = folds(examples, k)
    out: dict[str, Decision] = {}
    for f in range(k):
        decision = fit_decision([ex for ex, g in zip(examples, fold_of) if g != f], kind, k=k)
        for ex, g in zip(examples, fold_of):
            if g == f:
                out[ex.item.question] = decision
    return out
