"""The learned answer/abstain decision, scored with plain Python from a reviewed parameters file.

`hoidap train` fits two models on gold questions (scikit-learn, at training time only) and writes
answer/decision.json: a ranker over candidate windows (standardised logistic regression or a
small gradient-boosted tree ensemble, chosen by out-of-fold figures), a logistic gate over
question-level features of the ranked candidates, the gate threshold chosen on out-of-fold
predictions for a stated abstention precision, and the figures it was chosen on. Serving reads
the file once and never imports scikit-learn.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hoidap.answer.answer_types import STRICT, carries_expected, names_each_plan, ranks_rows
from hoidap.answer.features import ALONE, TASK_HEADING, Candidate, QuestionView, in_asked_place, is_usable, qualifiers

DEFAULT_PATH = Path(__file__).resolve().parent / "decision.json"


class DecisionFileError(ValueError):
    """The parameters file is missing, unreadable or does not fit the feature set."""


GATE_FEATURES = (
    "best", "second", "best_cov", "best_cov_folded", "best_anchor", "best_type_exact",
    "best_span_near", "best_rank", "best_score_rel", "max_cov_passage", "strict", "rare_topic", "usable",
    "best_miss_word", "best_year_conflict", "best_number_missing", "best_cov_label", "best_qualifier_conflict",
)


@dataclass
class Decision:
    """Two small models: a ranker (which window states the answer) and a gate (does the best
    window answer at all), and the gate threshold below which the service abstains."""

    features: tuple[str, ...]
    ranker: dict[str, Any]
    gate: dict[str, Any]
    threshold: float
    # A further claim scores at least this share of the best one. Out of fold, 0.7 against 0.5 cost
    # 0.008 fact accuracy (a right second line after a wrong first) and gained 0.030 citation precision.
    # 0.8 (round 9): out of fold 3 fewer correct of 1,386 for 0.005 citation precision; 0.7 kept.
    claim_ratio: float = 0.7
    claim_ratio_all_plans: float = 0.15  # ...or this share when no province is named: one line per plan
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
        return cls(tuple(data["features"]), data["ranker"], data["gate"], float(data["threshold"]),
                   float(data.get("claim_ratio", cls.claim_ratio)), float(data.get("claim_ratio_all_plans", cls.claim_ratio_all_plans)), data)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.info or {})
        out.update(features=list(self.features), threshold=self.threshold, claim_ratio=self.claim_ratio,
                   claim_ratio_all_plans=self.claim_ratio_all_plans, gate=self.gate, ranker=self.ranker)
        return out

    def score(self, view: QuestionView, cands: list[Candidate]) -> list[tuple[float, Candidate]]:
        """Candidates with the ranker's probability, best first; a candidate failing the type check scores 0."""
        named = task_named([c for c in cands if is_usable(view, c)])
        scored = [(candidate_score(self.ranker, self.features, c, named) if is_usable(view, c) else 0.0, c) for c in cands]
        return sorted(scored, key=lambda pc: -pc[0])

    def closest(self, cands: list[Candidate], n: int) -> list[Candidate]:
        """The best window of each of the n passages the ranker rates highest, whether or not it holds a
        value of the asked kind: what "có thể liên quan" shows when the answer is declined ("… tỉ lệ trẻ
        em thừa cân, béo phì được kiểm soát" for "thừa cân béo phì giảm xuống bao nhiêu %")."""
        best: dict[str, Candidate] = {}
        for _, cand in sorted(((_ranked(self, c), c) for c in cands), key=lambda pc: -pc[0]):
            best.setdefault(cand.hit.chunk.id, cand)
        return list(best.values())[:n]

    def answerable(self, view: QuestionView, scored: list[tuple[float, Candidate]]) -> float:
        """The gate's probability that the best candidate answers the question."""
        usable = [(p, c) for p, c in scored if is_usable(view, c)]
        if not usable:
            return 0.0
        return probability(self.gate, gate_vector(view, usable))

    def choose(self, view: QuestionView, cands: list[Candidate], max_claims: int, all_plans: bool = False,
               named: tuple[str, ...] = ()) -> list[Candidate]:
        """The claims to answer with — the best window per passage, near the best one, at most two
        per document; with all_plans (no province named) the best of each plan down to a lower
        bar; a line for each province named side by side (named) — or none (abstain) when the
        gate's probability misses the threshold."""
        scored = self.score(view, cands)
        if self.answerable(view, scored) < self.threshold:
            return []
        # "cấp nào đạt chuẩn thấp nhất": every level's row is weighed, down to the all-plans bar
        ranks = ranks_rows(view.text)
        bar = (self.claim_ratio_all_plans if all_plans or ranks else self.claim_ratio) * scored[0][0]
        doc_bar = (self.claim_ratio_all_plans if ranks else self.claim_ratio) * scored[0][0]
        chosen: list[Candidate] = []
        per_doc: dict[str, int] = {}
        seen: set[str] = set()
        for p, cand in scored:
            if p < bar or p <= 0 or len(chosen) >= max_claims:
                break
            cand = _widened(scored, p, cand, LIST_WIDER_RATIO if view.kind == "list" else WIDER_RATIO,
                            even=view.kind in ("list", "description"))
            chunk, doc = cand.hit.chunk.id, cand.hit.chunk.source
            if chunk in seen or (per_doc.get(doc, 0) >= 2 and not ranks):
                continue
            if doc in per_doc and p < doc_bar:
                continue  # below the usual bar only as a plan's first line
            if chosen and cand.features.get("qualifier_conflict"):
                continue  # a further line about "mức độ 2" when "mức độ 1" was asked
            if doc in per_doc and not all_plans and not ranks and view.kind not in ("list", "description") \
                    and not self._adds_words(view, cand, chosen):
                continue  # the next table row ("trường trung học …" after "trường tiểu học …"): nothing more of the question
            seen.add(chunk)
            per_doc[doc] = per_doc.get(doc, 0) + 1
            chosen.append(cand)
        chosen = self._each_named_province(scored, chosen, named, max_claims)
        if not ranks:
            chosen = self._each_level(view, scored, chosen, max_claims)
        if names_each_plan(view.text):
            chosen = self._each_plan(scored, chosen, named, max_claims)
        return self._answer_each_ask(view, scored, chosen, max_claims)

    @staticmethod
    def _adds_words(view: QuestionView, cand: Candidate, chosen: list[Candidate]) -> bool:
        """Whether a further line of a plan already quoted holds a word of the question its lines lack."""
        doc = cand.hit.chunk.source
        said = set().union(*(view.matcher.terms_in(c.quote) for c in chosen if c.hit.chunk.source == doc))
        return bool(view.matcher.terms_in(cand.quote) - said)

    def _each_named_province(self, scored: list[tuple[float, Candidate]], chosen: list[Candidate], named: tuple[str, ...],
                             max_claims: int) -> list[Candidate]:
        """"Lai Châu và Hòa Bình đặt chỉ tiêu thế nào": a province asked about by name gets its best usable
        window though it scores below the bar (its figure may be for another year than the other's). When
        none of its windows holds a value of the asked kind ("Lai Châu có chi 20% như Sơn La không": its
        plan says "không thấp hơn mức dự toán"), its best window by the ranker alone, down to the
        all-plans bar, says what it states instead."""
        bar = self.claim_ratio_all_plans * scored[0][0] if scored else 1.0
        for province in named:
            if len(chosen) >= max_claims or not chosen or any(c.hit.chunk.metadata.province == province for c in chosen):
                continue
            best = next((c for p, c in scored if p > 0 and c.hit.chunk.metadata.province == province), None)
            if best is None:
                pool = [(_ranked(self, c), c) for _, c in scored if c.hit.chunk.metadata.province == province]
                p, best = max(pool, key=lambda pc: pc[0], default=(0.0, None))
                best = best if p >= bar else None
            if best is not None:
                chosen.append(best)
        return chosen

    def _each_level(self, view: QuestionView, scored: list[tuple[float, Candidate]], chosen: list[Candidate],
                    max_claims: int) -> list[Candidate]:
        """"giáo viên tiểu học và THCS đạt chuẩn, cấp nào thấp hơn": each school level the question names
        side by side gets its own line (its table row), down to the all-plans bar, from the provinces
        already answered; the ranker alone would quote only the row it rates best."""
        levels = view.qualifiers.get("cap", frozenset()) - {"trung hoc"}
        if len(levels) < 2 or ALONE in view.qualifiers or not chosen:
            return chosen
        bar = self.claim_ratio_all_plans * scored[0][0]
        provinces = {c.hit.chunk.metadata.province for c in chosen}
        for level in sorted(levels):
            if len(chosen) >= max_claims or any(level in qualifiers(c.quote).get("cap", ()) for c in chosen):
                continue
            best = next((c for p, c in scored if p >= bar and p > 0 and c.hit.chunk.metadata.province in provinces
                         and level in qualifiers(c.quote).get("cap", ())), None)
            if best is not None:
                chosen = chosen + [best]
        return chosen

    def _each_plan(self, scored: list[tuple[float, Candidate]], chosen: list[Candidate], named: tuple[str, ...],
                   max_claims: int) -> list[Candidate]:
        """"2 kế hoạch của Hòa Bình giao đơn vị nào theo dõi": each plan of the provinces in the answer
        (or named) gets its best line down to the all-plans bar, as each province named does."""
        if not chosen:
            return chosen
        provinces = set(named) or {c.hit.chunk.metadata.province for c in chosen}
        bar = self.claim_ratio_all_plans * scored[0][0]
        for p, cand in scored:
            if p < bar or p <= 0 or len(chosen) >= max_claims:
                break
            if cand.hit.chunk.metadata.province in provinces and all(c.hit.chunk.source != cand.hit.chunk.source for c in chosen):
                chosen.append(cand)
        return chosen

    def _answer_each_ask(self, view: QuestionView, scored: list[tuple[float, Candidate]], chosen: list[Candidate],
                         max_claims: int) -> list[Candidate]:
        """A message asking two things gets a line for each: when no chosen window holds an ask's own
        words, the best window that does and holds a value of the kind that ask wants joins, down to
        ASK_RATIO of the best score. It may come from a passage already quoted ("đi học 99,5%, tốt nghiệp THCS
        99%" are two sentences of one passage), and a window that holds a chosen one replaces it."""
        bar = ASK_RATIO * scored[0][0]
        for ask, said in view.asks:
            if len(chosen) >= max_claims or any(ask.coverage(c.quote) >= ASK_COVERED for c in chosen):
                continue
            # the main ask's type check does not bind the other ask (a place the question names still does)
            pool = sorted(((p or _ranked(self, c), c) for p, c in scored), key=lambda pc: -pc[0])
            for p, cand in pool:
                if p < bar:
                    break
                if ask.coverage(cand.quote) < ASK_COVERED or not carries_expected(cand.quote, said):
                    continue
                held = [c for c in chosen if _overlap(cand, c)]
                if any(c.quote not in cand.quote for c in held):
                    continue
                if held:
                    chosen = [cand if c is held[0] else c for c in chosen if all(c is not h for h in held[1:])]
                else:
                    chosen = chosen + [cand]
                break
        return chosen


def _widened(scored: list[tuple[float, Candidate]], p: float, cand: Candidate, ratio: float, even: bool = False) -> Candidate:
    """A window holding this one and more of the question, scored nearly as high, in its place: "tiêu chí
    14 về giáo dục đối với xã nông thôn mới" gives way to "… tiêu chí 5 về trường học, tiêu chí 14 về giáo
    dục …" for "tiêu chí số mấy về trường học, số mấy về giáo dục". With even (a list or a description),
    one holding as much of the question will do: "phong trào thi đua “Dạy tốt, Học tốt, Quản lý tốt”;
    triển khai phong trào thi đua: …" names one more of the movements asked for."""
    wider = [(q, c) for q, c in scored if q >= ratio * p and c is not cand and c.hit.chunk.id == cand.hit.chunk.id
             and cand.quote in c.quote and (c.features["cov"] > cand.features["cov"]
                                            or even and c.features["cov"] == cand.features["cov"])]
    return max(wider, key=lambda qc: (qc[1].features["cov"], qc[0]))[1] if wider else cand


# A wider window replaces a chosen one when it scores at least this share of it; for a list, whose items
# often go on in the next sentence ("… Trong đó, ưu tiên các trường phổ thông dân tộc nội trú, …"), less.
WIDER_RATIO = 0.9
LIST_WIDER_RATIO = 0.8


def _ranked(decision: Decision, cand: Candidate) -> float:
    return candidate_score(decision.ranker, decision.features, cand) if in_asked_place(cand) else 0.0


# The share of an ask's (IDF-weighted) words a window must hold to count as answering it.
ASK_COVERED = 0.5
# An ask's line scores at least this share of the best window (the ranker weighs windows against the
# whole message, so a line for its second ask scores low: "…, đến 2030 thì bao nhiêu").
ASK_RATIO = 0.05


def _overlap(a: Candidate, b: Candidate) -> bool:
    return a.hit.chunk.id == b.hit.chunk.id and (a.quote in b.quote or b.quote in a.quote)


# A window narrowing the figure another way ("mức độ 2" for "mức độ 1") ranks below every window that
# does not: the ranker's weight alone let "tốt nghiệp THCS 99%" answer "tốt nghiệp THPT" (out of fold).
CONFLICT_PENALTY = 0.5


# "UBND huyện phải làm gì": when a heading names that body ("2. UBND các huyện, thị xã, thành phố"), a
# window under another heading is another body's task, though its own words may name the one asked
# about ("Sở … phối hợp với UBND các huyện"). The ranker alone weighs this too little: a dozen such
# questions among 1,300.
TASK_PENALTY = 0.2


def task_named(cands: list[Candidate]) -> float:
    """How fully the best heading among the candidates names the body a task question asks about."""
    return max((c.features.get("task_heading", 0.0) for c in cands), default=0.0)


def candidate_score(ranker: dict[str, Any], features: tuple[str, ...], cand: Candidate, named: float = 0.0) -> float:
    """The ranker's probability that a window states the answer, halved on a qualifier conflict, and
    cut when another passage's heading names the body a task question asks about (named: the best
    candidate's task_heading) and this one's does not, or when the window of a task question names
    no action."""
    p = probability(ranker, cand.vector(features))
    if cand.features.get("qualifier_conflict"):
        p *= CONFLICT_PENALTY
    if (named >= TASK_HEADING and cand.features.get("task_heading", 0.0) < TASK_HEADING) or cand.features.get("no_action"):
        p *= TASK_PENALTY
    return p


def gate_vector(view: QuestionView, usable: list[tuple[float, Candidate]]) -> list[float]:
    """Question-level features from the ranked usable candidates (best first), in GATE_FEATURES order."""
    p1, best = usable[0]
    p2 = next((p for p, c in usable[1:] if c.hit.chunk.id != best.hit.chunk.id), 0.0)
    f = best.features
    return [
        _logit(p1), _logit(p2), f["cov"], f["cov_folded"], f["anchor"], f["type_exact"],
        f["span_near"], f["inv_rank"], f["score_rel"], max(c.features["cov_passage"] for _, c in usable),
        f["strict"], f["rare_topic"], math.log1p(len(usable)),
        f["miss_word"], f["year_conflict"], f["number_missing"], f["cov_label"], f["qualifier_conflict"],
    ]


def probability(model: dict[str, Any], vector: list[float]) -> float:
    """A fitted model's probability for one feature vector (standardised logistic or boosted trees)."""
    kind = model["kind"]
    if kind == "logistic":
        z = model["intercept"] + sum(
            w * (x - m) / s for w, x, m, s in zip(model["coef"], vector, model["mean"], model["scale"])
        )
    elif kind == "boosting":
        z = model["init"] + model["learning_rate"] * sum(_tree(t, vector) for t in model["trees"])
    else:
        raise DecisionFileError(f"unknown model kind {kind!r}")
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _tree(tree: dict[str, list], x: list[float]) -> float:
    """One regression tree in sklearn's array layout (left/right child -1 at a leaf)."""
    node = 0
    left, right, feat, thr, value = tree["left"], tree["right"], tree["feature"], tree["threshold"], tree["value"]
    while left[node] != -1:
        node = left[node] if x[feat[node]] <= thr[node] else right[node]
    return value[node]
