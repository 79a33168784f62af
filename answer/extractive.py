"""The offline answerer: pick the sentences that answer, cite each one, or abstain.

Every claim is a verbatim sentence (or clause) of a retrieved passage, so every
number or name in an answer appears in the text it cites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hoidap.answer.compare import row_verdict, verdict
from hoidap.answer.evidence import Matcher
from hoidap.answer.types import Answer, Citation
from hoidap.answer.understanding import Query
from hoidap.vietnamese import split_sentences
from hoidap.models import Hit

NOT_FOUND = "Không tìm thấy thông tin này trong các văn bản hiện có."
FIGURE_COVERAGE = 0.7  # measured on the gold set: 0.6 answers unanswerables, 0.8 refuses answerables
_CLAUSE_SPLIT = 260  # sentences longer than this are cut into clauses at ";"
_HAS_NUMBER = re.compile(r"\d")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass
class Claim:
    hit: Hit
    quote: str
    score: float
    lead: str = ""  # the figure(s) the claim gives, shown first ("20%")


def passage_text(hit: Hit) -> str:
    return f"{hit.chunk.section}\n{hit.chunk.text}"


def units(text: str) -> list[str]:
    """Sentences, with long enumerations cut into their ";"-separated clauses."""
    out: list[str] = []
    for a, b in split_sentences(text):
        sentence = text[a:b].strip()
        if len(sentence) > _CLAUSE_SPLIT and ";" in sentence:
            out.extend(c.strip() for c in clauses(sentence) if c.strip())
        else:
            out.append(sentence)
    return [u for u in out if len(u) > 1]


def clauses(sentence: str) -> list[str]:
    """Parts of a sentence between top-level ";" — never inside quotes or parentheses, where
    a slogan such as “Lấy học sinh làm trung tâm; Thầy cô giáo là động lực; …” must stay whole."""
    parts, start, depth, quoted = [], 0, 0, False
    for i, ch in enumerate(sentence):
        if ch in "(“":
            depth += 1
        elif ch in ")”" and depth:
            depth -= 1
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not depth and not quoted:
            parts.append(sentence[start:i])
            start = i + 1
    parts.append(sentence[start:])
    return parts


def best_unit(hit: Hit, matcher: Matcher, query: Query) -> Claim:
    """The sentence of a passage that covers most of the question (its section counts too)."""
    section = hit.chunk.section
    best = Claim(hit, hit.chunk.text, -1.0)
    for unit in units(hit.chunk.text):
        context = f"{section}\n{unit}"
        score = matcher.coverage(context)
        if query.wants_number and _HAS_NUMBER.search(unit):
            score += 0.1
        if score > best.score:
            best = Claim(hit, unit, score)
    return best


def select_claims(hits: list[Hit], matcher: Matcher, query: Query, min_coverage: float, max_claims: int) -> list[Claim]:
    """Claims from every passage that answers well enough, at most two per document."""
    scored = [(h, _relevance(passage_text(h), matcher)) for h in hits]
    best = max((c for _, c in scored), default=0.0)
    if best < min_coverage:
        return []
    bar = max(min_coverage, 0.8 * best)
    ranked = sorted(((h, c) for h, c in scored if c >= bar), key=lambda hc: -_rank_score(hc, query))
    chosen = _diverse([h for h, _ in ranked], max_claims)
    claims = [best_unit(h, matcher, query) for h in chosen]
    if query.wants_number and not any(_gives_figure(c, matcher, query) for c in claims):
        return []  # asked "how much" and no passage gives a figure about it: do not pretend
    return claims


def _gives_figure(claim: Claim, matcher: Matcher, query: Query) -> bool:
    """A figure the question did not contain, in a sentence that names the question's rarest word
    or covers most of the question anyway (the rarest word may be a paraphrase: "đi học") —
    unless that word is a topic the plans barely mention ("lương")."""
    context = f"{claim.hit.chunk.section}\n{claim.quote}"
    return bool(new_numbers(claim.quote, query.question)) and (
        matcher.has_anchor(context) or (claim.score >= FIGURE_COVERAGE and not matcher.anchor_is_rare_topic)
    )


def figures(text: str) -> list[str]:
    """The numbers a text states ("32,8", "2024", "1899")."""
    return _NUMBER.findall(text)


def new_numbers(text: str, question: str) -> set[str]:
    """Figures in a text that the question did not already contain."""
    return set(figures(text)) - set(figures(question))


def _relevance(text: str, matcher: Matcher) -> float:
    return matcher.coverage(text) * matcher.anchor_factor(text)


def _rank_score(hit_cov: tuple[Hit, float], query: Query) -> float:
    """Coverage first; a passage with figures wins ties when the question asks "how much"."""
    hit, cov = hit_cov
    return cov + (0.1 if query.wants_number and _HAS_NUMBER.search(hit.chunk.text) else 0.0)


def _diverse(hits: list[Hit], max_claims: int) -> list[Hit]:
    per_doc: dict[str, int] = {}
    chosen = []
    for hit in hits:
        if per_doc.get(hit.chunk.source, 0) >= 2 or len(chosen) >= max_claims:
            continue
        per_doc[hit.chunk.source] = per_doc.get(hit.chunk.source, 0) + 1
        chosen.append(hit)
    return chosen


def compose(query: Query, claims: list[Claim]) -> Answer:
    """Answer text grouped by document, each claim followed by its citation marker."""
    citations = [Citation.from_hit(i + 1, c.hit, c.quote) for i, c in enumerate(claims)]
    groups: dict[str, list[Citation]] = {}
    for cit in citations:
        groups.setdefault(cit.source, []).append(cit)
    leads = {i + 1: c.lead for i, c in enumerate(claims)}

    def said(cits: list[Citation]) -> str:
        return " ".join(f"{leads[c.n] + ' — ' if leads[c.n] else ''}{c.quote} [{c.n}]" for c in cits)

    if len(groups) == 1:
        cits = next(iter(groups.values()))
        ranked = row_verdict(query.question, [(c.quote, leads[c.n]) for c in cits])
        text = (f"{ranked}\n" if ranked else "") + f"Theo {doc_label(cits[0])}: " + said(cits)
    else:
        lines = [f"Theo {len(groups)} văn bản:"]
        lines += [f"- {doc_label(cits[0])}: " + said(cits) for cits in groups.values()]
        ranked = verdict(query.question, query.provinces, [(cits[0].province, leads[cits[0].n]) for cits in groups.values()])
        text = "\n".join(([ranked] if ranked else []) + lines)
    provinces = sorted({c.province for c in citations if c.province})
    # "Bắc Ninh có cao hơn Lai Châu không": a side no line was found for is said so, not silently dropped
    unseen = [p for p in query.provinces if p not in provinces] if len(query.provinces) > 1 else []
    bullet = "- " if len(groups) > 1 else ""
    text += "".join(f"\n{bullet}{p}: không tìm thấy nội dung này trong văn bản của {p}." for p in unseen)
    return Answer(query.question, text, False, citations, provinces=provinces)


def doc_label(c: Citation) -> str:
    """"Lai Châu (3707/KH-UBND)" — short enough to read, precise enough to find the plan."""
    ref = c.number or (c.title[:60] + "…" if len(c.title) > 60 else c.title)
    return f"{c.province} ({ref})" if c.province else ref


def abstain(query: Query, related: list[Claim], reason: str = NOT_FOUND) -> Answer:
    """A plain statement that the plans do not say, with the closest passages shown apart."""
    cits = [Citation.from_hit(i + 1, c.hit, c.quote) for i, c in enumerate(related)]
    text = reason
    if cits:
        text += "\nCó thể liên quan:\n" + "\n".join(
            f"- {doc_label(c)} — {c.section or c.title}: “{_short(c.quote)}”" for c in cits
        )
    return Answer(query.question, text, True, [], related=cits, provinces=query.provinces)


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
