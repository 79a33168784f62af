"""Metric functions: pure, small, and checked by tests on hand-made rankings.

Relevance is judged per evidence quote. A ranking is given as `covered`: for each
retrieved result, in rank order, the set of evidence-quote indices that result holds
(a result holds quote i when it comes from quote i's document and contains the quote,
whitespace-insensitively). An item has `n` evidence quotes.

* Recall@k: share of the item's quotes held by some result in the top k.
* MRR@k: 1 / rank of the first result holding any quote (0 when none in the top k).
* nDCG@k: a result gains the number of quotes it holds that no higher-ranked result
  already held (so duplicates and overlapping passages earn nothing twice); the ideal
  DCG puts one quote at each of the first min(n, k) ranks; the value is capped at 1
  (a single passage holding two quotes at rank 1 is perfect).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def recall_at_k(covered: Sequence[set[int]], n: int, k: int) -> float:
    if n <= 0:
        raise ValueError("recall needs at least one relevant quote")
    found: set[int] = set()
    for held in covered[:k]:
        found |= held
    return len(found) / n


def mrr_at_k(covered: Sequence[set[int]], k: int) -> float:
    for rank, held in enumerate(covered[:k], start=1):
        if held:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(covered: Sequence[set[int]], n: int, k: int) -> float:
    if n <= 0:
        raise ValueError("nDCG needs at least one relevant quote")
    seen: set[int] = set()
    dcg = 0.0
    for rank, held in enumerate(covered[:k], start=1):
        new = held - seen
        seen |= held
        if new:
            dcg += len(new) / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n, k) + 1))
    return min(1.0, dcg / ideal)


def fact_share(facts: Sequence[str], answer: str, contains) -> float:
    """Share of the facts found in the answer (`contains(haystack, needle)` decides)."""
    if not facts:
        raise ValueError("fact share needs at least one fact")
    return sum(1 for f in facts if contains(answer, f)) / len(facts)


def precision_recall(truth: Iterable[bool], predicted: Iterable[bool]) -> tuple[float | None, float | None]:
    """Precision and recall of the positive class; None where the denominator is 0."""
    tp = fp = fn = 0
    for t, p in zip(truth, predicted):
        tp += t and p
        fp += (not t) and p
        fn += t and not p
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values; None when there is none."""
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default)."""
    xs = sorted(values)
    if not xs:
        return None
    if len(xs) == 1:
        return xs[0]
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
