"""Candidate claims and the features the learned decision scores them by.

A candidate is a short window of a retrieved passage (a sentence, or a run of its clauses
of at most CLAIM_CHARS characters) — the text an answer would quote. Its features say how
well it matches the question (several ways), where its passage ranked, and whether it holds
a value of the kind the question asks for that the question did not already state.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from hoidap.answer.answer_types import STRICT, answering_spans, asked_unit, expected_type, listed_noun
from hoidap.answer.evidence import Grams, Matcher, TermStats, fold_word, grams_of, key_terms
from hoidap.answer.spans import REFERENCE, YEAR, Span, digits, find_spans, named_years, numbers_naming, plan_references, spans_within
from hoidap.answer.understanding import asks, framing_words, task_subject
from hoidap.ingest.metadata import is_recipient_list
from hoidap.models import Chunk, Hit
from hoidap.vietnamese import expand_shorthand, fold, has_diacritics, is_stopword, split_sentences, words

CLAIM_CHARS = 250
SENTENCE_CHARS = 320  # a sentence up to this long stays whole; a clause cut off just before its end joins
_PIECE_END = re.compile(r"[;:]\s+|,\s+(?=\D)")

# What the ranker reads. Coverage is accent-folded ("cov_folded": a question typed without marks
# matches the plan as well as one typed with them); the ranker reads it with its gap to the question's
# best window. Measured out of fold and left out: the question's rarest word ("anchor",
# "anchor_passage", "rare_topic") (no gain); the passage's retrieval rank and fused score ("inv_rank",
# "score_rel": correct decisions 0.787 without them, 0.773 with); the expected-type match ("type_match",
# "type_exact", "new_number", "strict"): the type check already filters the candidates, and on
# held-out-6 used as a development file the ranker without them gave 156 correct outcomes of 182 against
# 154 (out of fold on the other 846: 742 against 743). The gate still reads anchor, rare_topic,
# type_exact, strict, rank and score of the best candidate. "list_items" (how many items a window
# enumerates, list questions only) was added in round 7: development file 285 -> 289 of 323, out of fold
# 828 -> 834 of 930. Plain coverage of the window, its sentence, its passage and its section ("cov",
# "cov_text", "cov_sentence", "cov_passage", "section_cov" and their gaps) was left out in round 9: out
# of fold rose 1,226 -> 1,235 of 1,386. The gate still reads the best candidate's cov and cov_passage.
# "accent_gap" (what folding alone matched, "lượng" for a "lương" typed with accents) joined in round 13:
# out of fold 1,882 -> 1,885 of 2,020, development file 347 both. "names_listed" (a list question's window
# names what it lists: "những chỉ số nào") joined in round 20: out of fold 3,174 -> 3,179 of 3,472.
# A synonym table of users' phrasings ("ít nhất" -> "tối thiểu", "đi nhà trẻ" -> "huy động trẻ nhà trẻ
# ra lớp"), applied before coverage, was removed in round 10: without it out of fold stayed at 1,311 of
# 1,450 (3 gained, 3 lost), the development file went 225 -> 226 of 257 and the question-level ablation
# 0.855 -> 0.856. Dense retrieval and the folded word pairs carry those paraphrases: "ít nhất bao nhiêu
# phần trăm" still gets "tối thiểu 20%", "đi nhà trẻ" still gets 46%.
FEATURES = (
    "cov_folded", "accent_gap",
    "span_near", "length",
    "miss_word", "year_conflict", "number_missing", "cov_label", "qualifier_conflict",
    "cov_folded_gap", "span_near_gap", "list_items", "task_heading", "names_listed",
)
# Features also given as the gap to the best candidate of the same question: a linear ranker
# then compares windows with each other, not with windows of other questions.
_RELATIVE = ("cov_folded", "span_near")
_ITEM_SEP = re.compile(r"[,;]\s|\(")  # "Tiếng Anh, Tin học, Mỹ thuật, Âm nhạc", "(PAR INDEX) … (SIPAS)"
_ROW = " — "  # a table row as indexed: "Tỷ lệ huy động trẻ nhà trẻ — Năm học 2023-2024, chỉ tiêu …: 32,7%"

_NUMBER = re.compile(r"(?<![\d/])\d+(?:[.,]\d+)*(?![\d/])")


def row_label(text: str) -> str | None:
    """The label of a table row as indexed ("Tỷ lệ huy động trẻ nhà trẻ"), or None for text that is no row."""
    return text.split(_ROW, 1)[0] if _ROW in text else None


@dataclass
class Candidate:
    hit: Hit
    rank: int
    quote: str  # verbatim window of hit.chunk.text
    features: dict[str, float] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)  # new spans of the expected kind, in the quote
    sentence: str = ""  # the whole sentence the window was cut from

    def vector(self, names: tuple[str, ...] = FEATURES) -> list[float]:
        return [self.features[n] for n in names]


@dataclass
class QuestionView:
    """What every candidate of one question is compared against (built once per question)."""

    text: str
    kind: str
    matcher: Matcher
    folded: Matcher
    question_digits: set[str]
    years: set[str]  # single years the question names ("năm 2024 … đến 2030")
    school_years: set[str]  # school years it names ("2025-2026")
    numbers: set[str]  # other numbers it names ("2" in "mức độ 2", "10" in "lớp 10")
    months: set[str]  # months it names ("12" of "đến tháng 12/2024"): finer than a school year's target
    plan_refs: set[str]  # numbers it names a plan by ("285" of "kh 285")
    places: set[str]  # districts and communes it names ("muong te" of "huyện Mường Tè"): a figure must be theirs
    qualifiers: dict[str, frozenset[str]]  # what narrows the figure asked for ("mức độ 2", "cấp THCS")
    idf_scale: float  # the largest IDF a term can have in this corpus
    grams: Grams  # the question's own syllables and pairs (table-row labels and figure clauses are read against them)
    unit: str = ""  # the unit a count question names ("truong")
    subject: Matcher | None = None  # the body a task question names ("UBND huyện" of "UBND huyện phải làm gì")
    # each ask of a message asking two things ("… bao nhiêu %, còn THCS thì sao"), with its words as typed
    asks: tuple[tuple[Matcher, str], ...] = ()
    present: bool = False  # asks how things stand now ("hiện có bao nhiêu trường"), not a target
    counts_whom: frozenset[str] = frozenset()  # whom the figure asked for counts (populations: {"staff"})
    options: tuple[frozenset[str], ...] = ()  # the alternatives it offers ("vnEdu hay SMAS"), by the words that tell them apart
    listed: str = ""  # what a list question lists, folded ("chi so" of "gắn với những chỉ số nào")

    @classmethod
    def build(cls, question: str, text: str, stats: TermStats) -> "QuestionView":
        years, school_years = named_years(text)
        kind = main_kind(expand_shorthand(question))  # "các mốc deadline" asks dates as "các mốc hạn chót" does
        plan_refs = plan_references(text)
        # the number a plan is named by ("kh 285") scopes the question; passages citing that text are no answer for it
        framing = framing_words(text) | plan_refs
        return cls(
            text=text,
            kind=kind,
            matcher=Matcher(key_terms(text), stats, framing),
            folded=Matcher(key_terms(fold(text)), stats, framing),
            question_digits={digits(s.text) for s in find_spans(question) if digits(s.text)},
            years=years,
            school_years=school_years,
            numbers=_qualifying_numbers(text),
            months=months_named(text),
            plan_refs=plan_refs,
            places=named_places(text),
            qualifiers=asked_qualifiers(text),
            idf_scale=stats.idf("\x00") or 1.0,
            unit=asked_unit(text, kind),
            subject=Matcher(key_terms(subject), stats) if (subject := task_subject(text)) else None,
            asks=tuple((Matcher(key_terms(a), stats, framing), a) for a in asks(text)),
            grams=grams_of(text),
            present=bool(_PRESENT.search(fold(text))),
            counts_whom=populations(text),
            options=alternatives(text),
            listed=listed_noun(text) if kind == "list" else "",
        )


def main_kind(question: str) -> str:
    """The kind of value the question wants; for a message asking two things, its first ask's kind
    ("dạy cho những lớp nào, xã khu vực mấy" wants the classes first; read whole, "mấy" made it a
    count), unless the whole asks for a list or checks a figure (the list answers "mấy …, là những
    cái nào" both ways). The other ask gets its own line (Decision._answer_each_ask)."""
    kind = expected_type(question)
    parts = asks(question)
    return kind if not parts or kind in ("list", "confirm") else expected_type(parts[0])


def windows(text: str, joined: bool = False) -> list[tuple[str, str]]:
    """(window, its sentence) pairs: sentences up to CLAIM_CHARS whole, longer ones as runs of clauses;
    with joined, also a sentence together with the next when that one goes on with its list ("Ưu tiên …
    cho các cơ sở giáo dục … Trong đó, ưu tiên … các trường phổ thông dân tộc nội trú, …")."""
    out = []
    sentences = split_sentences(text)
    if joined:
        out += [(w, w) for w in _continued(text, sentences)]
    for a, b in sentences:
        sentence = text[a:b].strip()
        if len(sentence) <= SENTENCE_CHARS:
            out.append((sentence, sentence))
            continue
        clauses = _clauses(sentence)
        pieces = _pieces(sentence, clauses)
        for i in range(len(pieces)):
            j, end = i, pieces[i][1]
            while j + 1 < len(pieces) and pieces[j + 1][1] - pieces[i][0] <= CLAIM_CHARS:
                j += 1
                end = pieces[j][1]
            if len(sentence) - end <= SENTENCE_CHARS - CLAIM_CHARS:
                end = len(sentence)
            window = sentence[pieces[i][0] : end].strip(" ;,:")
            if len(window) > 1:
                out.append((window, sentence))
        out += [(w, sentence) for w in _from_references(sentence, clauses)]
    return list(dict.fromkeys(out))


_CONTINUES = re.compile(r"(?:Trong đó|Cụ thể|Đặc biệt|Nhất là|Bao gồm|Gồm)\b", re.I)


def _continued(text: str, sentences: list[tuple[int, int]]) -> list[str]:
    """Each sentence up to SENTENCE_CHARS joined with the next when that one opens "Trong đó", "Cụ thể"…"""
    return [text[a:d].strip() for (a, b), (c, d) in zip(sentences, sentences[1:])
            if _CONTINUES.match(text, c, c + 12) and b - a <= SENTENCE_CHARS and d - c <= SENTENCE_CHARS]


_NAMED_TEXT = re.compile(r"\b(?:Nghị quyết|Quyết định|Nghị định|Thông tư|Chỉ thị|Kết luận|Kế hoạch|Công văn|Chương trình hành động|Đề án) số ")


def _from_references(sentence: str, clauses: list[tuple[int, int]]) -> list[str]:
    """Extra windows of a clause too long to quote whole, each starting at a text it names by number:
    the fixed cut may part "Nghị quyết số 61/2023/NQ-HĐND ngày" from what that text is about."""
    out = []
    for a, b in clauses:
        if b - a <= CLAIM_CHARS:
            continue
        for m in _NAMED_TEXT.finditer(sentence, a, b):
            end = b if b - m.start() <= CLAIM_CHARS else sentence.rfind(" ", m.start(), m.start() + CLAIM_CHARS)
            out.append(sentence[m.start() : end].strip(" ;,:"))
    return out


_QUOTED = re.compile(r"“[^“”]{1,80}”" r'|"[^"]{1,80}"|\([^()]{1,120}\)')  # a short quotation or bracket


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """Clause boundaries of a long sentence (";", ":" and "," before a word), none inside a short
    quotation or bracket: "phong trào thi đua “Dạy tốt, Học tốt, Quản lý tốt”" is one name, not three
    clauses, and "(biệt phái, hợp đồng giáo viên, chuyển đổi số…)" one list; nor inside a typed span
    ("lớp 1, lớp 2, lớp 3": a window ending at "lớp 1" would hold no whole answer)."""
    whole = [m.span() for m in _QUOTED.finditer(sentence)] + [(sp.start, sp.end) for sp in spans_within(sentence, 0, len(sentence))]
    bounds, start = [], 0
    for m in _PIECE_END.finditer(sentence):
        if any(a < m.start() < b for a, b in whole):
            continue
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(sentence)))
    return bounds


def _pieces(sentence: str, clauses: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The clauses as pieces to run windows over; a clause longer than CLAIM_CHARS is cut at the last
    space before the limit."""
    out = []
    refs = [(m.start(), m.end()) for m in _NAMED_REFERENCE.finditer(sentence)]
    for a, b in clauses:
        while b - a > CLAIM_CHARS:
            cut = sentence.rfind(" ", a, a + CLAIM_CHARS)
            # not inside "Nghị quyết số 61/2023/NQ-HĐND ngày 20/7/2023": the next piece would open on its date
            cut = next((r0 - 1 for r0, r1 in refs if r0 - 1 > a and r0 < cut < r1), cut)
            cut = cut if cut > a else a + CLAIM_CHARS
            out.append((a, cut))
            a = cut + 1
        if b > a:
            out.append((a, b))
    return out


_NAMED_REFERENCE = re.compile(_NAMED_TEXT.pattern + r"\S+(?: ngày \d{1,2}/\d{1,2}/\d{4}| ngày \d{1,2} tháng \d{1,2} năm \d{4})?")


def candidates(view: QuestionView, hits: list[Hit]) -> list[Candidate]:
    """Every window of every retrieved passage, with its features."""
    top = hits[0].score if hits and hits[0].score > 0 else 1.0
    out = []
    for rank, hit in enumerate(hits):
        if is_recipient_list(hit.chunk.text.lstrip(" -*")):
            continue  # the metadata answer cites it for "gửi cho ai"; it never says what anyone must do
        section = hit.chunk.section
        passage = f"{section}\n{hit.chunk.text}"
        heading, whole = grams_of(section), grams_of(passage)
        # a district, commune or month the passage never names: the province's or school year's figure is not theirs
        place_missing = (not all(_has_term(place, whole) for place in view.places)
                         or bool(view.months) and not view.months <= months_named(passage))
        per_hit = {
            # "vnEdu hay SMAS": a passage naming neither option does not say which
            "options_missing": float(bool(view.options) and not any(w in whole.folded for o in view.options for w in o)),
            "cov_passage": view.matcher.coverage_of(whole),
            "miss_word": _missing_word(view, whole),
            "year_conflict": float(_year_conflict(view, hit, passage)),
            "number_missing": float(bool(view.numbers - set(_NUMBER.findall(passage))) or place_missing),
            "place_missing": float(place_missing),
            "anchor_passage": float(_has_anchor(view.matcher, whole)),
            "inv_rank": 1.0 / (1 + rank),
            "score_rel": max(0.0, hit.score / top),
        }
        heads = _task_heads(view, hit.chunk) if view.subject is not None else None
        for window, sentence in windows(hit.chunk.text, joined=view.kind == "list"):
            f = _features(view, section, heading, window)
            f.update(per_hit)
            if heads is not None:
                _add_task_heading(view, heads, hit.chunk.text.find(window), window, f)
            typed = _typed_features(view, hit.chunk.text, window, f)
            if view.kind == "agency":
                typed = _subject(hit.chunk.text, window, sentence, section, typed) + typed
            out.append(Candidate(hit, rank, window, f, typed, sentence))
    _add_gaps(view, out)
    return out


# What a body must do is an action: a window naming none ("2. Thủ trưởng các đơn vị, trường học trực thuộc
# và Trưởng phòng GDĐT các huyện, thành phố.") only names who acts
_ACTION = re.compile(r"\b(trien khai|thuc hien|chi dao|to chuc|xay dung|phoi hop|huy dong|chu dong|bao cao|tham muu|ban hanh"
                     r"|kiem tra|don doc|tang cuong|day manh|ra soat|bao dam|dam bao|huong dan|theo doi|can cu|tuyen truyen"
                     r"|nang cao|quan triet|phat dong|chu tri|giam sat|tong hop|boi duong|dau tu|bo tri|thong tin|cung cap"
                     r"|xu ly|giai quyet|de xuat|hoan thanh|duy tri|cung co|phat trien|giang day|tiep tuc|quan tam|uu tien)\b")


TASK_HEADING = 0.75  # a heading naming this much of the body asked about is that body's section
_LABELLED = re.compile(r"(?:^|\n)[ \t]*(?:\d+|[a-zđ])[.)][ \t]+[^\n]{0,160}")


_Heads = tuple[list[tuple[float, str]], list[tuple[int, tuple[float, str]]]]


def _task_heads(view: QuestionView, chunk: Chunk) -> _Heads:
    """The headings a window of the passage may sit under, each with how fully it names the body a
    task question asks about (read once per passage): the levels of the section path below the top
    one ("TỔ CHỨC THỰC HIỆN"), and the numbered paragraphs of the text with where they start ("2. Thủ
    trưởng các đơn vị … và Trưởng phòng GDĐT các huyện. Huy động …"), which the plan did not set apart."""
    def named(head: str) -> tuple[float, str]:
        return view.subject.coverage_of(grams_of(head)), head

    return ([named(h) for h in chunk.section.split(" > ")[1:]],
            [(m.start(), named(m.group())) for m in _LABELLED.finditer(chunk.text)])


def _add_task_heading(view: QuestionView, heads: _Heads, at: int, window: str, f: dict[str, float]) -> None:
    """How fully the heading of the window (at offset `at` of its passage) names the body a task question
    asks about ("2. UBND các huyện, thị xã, thành phố" for "UBND huyện phải làm gì"): the section path's
    levels, or the last numbered paragraph before the window. Under such a heading the body is the
    unwritten subject of every sentence, so its words count as the window's own."""
    sections, labelled = heads
    before = [named for start, named in labelled if start <= at][-1:]
    best, head = max(sections + before, default=(0.0, ""))
    f["task_heading"] = best
    f["no_action"] = float(not _ACTION.search(fold(window)))
    if best >= TASK_HEADING:
        f["cov_label"] = max(f["cov_label"], view.matcher.coverage_of(grams_of(head) | grams_of(window)))


def _add_gaps(view: QuestionView, cands: list[Candidate]) -> None:
    """Each relative feature minus its best value among the usable candidates (0 for the best)."""
    usable = [c for c in cands if is_usable(view, c)] or cands
    for name in _RELATIVE:
        top = max((c.features[name] for c in usable), default=0.0)
        for c in cands:
            c.features[f"{name}_gap"] = c.features[name] - top


def _features(view: QuestionView, section: str, heading: Grams, window: str) -> dict[str, float]:
    own = grams_of(window)
    grams = heading | own
    cov = view.matcher.coverage_of(grams)
    cov_text = view.matcher.coverage_of(own)
    label = row_label(window)
    return {
        "cov": cov,
        "cov_folded": view.folded.coverage_of(grams),
        # what folding alone matched: "lượng" for a "lương" typed with its accents
        "accent_gap": max(0.0, view.folded.coverage_of(grams) - cov),
        "anchor": float(_has_anchor(view.matcher, grams)),
        "rare_topic": float(view.matcher.anchor_is_rare_topic),
        "strict": float(view.kind in STRICT),
        "length": min(len(window), 2 * CLAIM_CHARS) / CLAIM_CHARS,
        "cov_label": view.matcher.coverage_of(grams_of(label)) if label is not None else cov_text,
        "other_row": float(label is not None and row_precision(view, label) < ROW_PRECISION),
        "qualifier_conflict": float(bool(view.qualifiers) and _qualifier_conflict(view.qualifiers, qualifiers(window))),
        "list_items": min(len(_ITEM_SEP.findall(window)), 6) / 6 if view.kind == "list" else 0.0,
        # "gắn với những chỉ số nào": a window that never names "chỉ số" lists none ("Kế hoạch cải cách hành chính …")
        "names_listed": float(bool(view.listed) and re.search(rf"\b{view.listed}\b", fold(window)) is not None),
        "task_heading": 0.0,
    }


_ROW_GENERIC = frozenset({"ty", "ti", "le", "so"})  # "Tỷ lệ …", "Số đơn vị …": every row of a table opens so


# A table row sharing fewer of its label's words with the question is another indicator. Of the
# training questions whose best window was a row, 14 unanswerable ones and no answerable one fell
# below 0.4; as a ranker and gate feature instead, out of fold went 1,432 -> 1,436 of 1,589 but
# refused 5 answerable rows at 0.4-0.6.
ROW_PRECISION = 0.4


def row_precision(view: QuestionView, label: str) -> float:
    """The share of a table row's label words the question uses. "Tỷ lệ giáo viên THPT đạt chuẩn đào
    tạo" shares only "THPT" with "tỷ lệ tốt nghiệp THPT": that row is about something else, though
    the question's few words are all in it."""
    # the label's words as written ("THPT", not also "trung học phổ thông"); the question's grams hold
    # both forms, so either spelling matches
    label_words = {w for w in words(label) if not is_stopword(w) and fold(w) not in _ROW_GENERIC}
    if not label_words:
        return 1.0
    # a word typed with accents matches only as written ("thư viện" is not "giáo viên"); one typed without, any
    asked = view.grams.accented
    return sum(1 for w in label_words if w in asked or fold(w) in asked) / len(label_words)


# The school levels a figure is narrowed to, accent-folded ("trung hoc" alone last: the longer names first)
LEVELS = "tieu hoc|thcs|thpt|trung hoc co so|trung hoc pho thong|mam non|gdmn|gdtx|giao duc thuong xuyen|trung hoc"
_QUALIFIER = re.compile(r"\b(muc do|muc) (\d+|[ivx]+)\b|\b(\d+) (tuoi)\b"
                        rf"|\b({LEVELS})\b"
                        r"|\bhoc ky (ii|i|2|1)\b")
_LEVEL_NAMES = {"trung hoc co so": "thcs", "trung hoc pho thong": "thpt", "giao duc thuong xuyen": "gdtx", "gdmn": "mam non"}
# "trường trung học" alone (the plans' rows) is both lower and upper secondary, never primary
_LEVELS_OF = {"trung hoc": {"trung hoc", "thcs", "thpt"}}
_SEMESTERS = {"1": "i", "2": "ii"}
# Ages: a range ("từ 3 đến 5 tuổi", "3-4 tuổi") is every age in it; an age group ("nhà trẻ", "mẫu giáo")
# is its own value unless an age follows it ("mẫu giáo 5 tuổi" is 5); the range 3-5 is also "mẫu giáo"
_AGE_RANGE = re.compile(r"\b(\d+) ?(?:-|den) ?(\d+) tuoi\b")
_AGE_GROUP = re.compile(r"\b(nha tre|mau giao)\b(?! (?:tu )?\d+ (?:(?:-|den) ?\d+ )?tuoi)")
# "trẻ 5 tuổi học mẫu giáo lớn" asks the 5-year-olds' figure, which "trẻ mẫu giáo ra lớp" (all ages 3-5) is not
_GROUP_AGES = {"nha tre": frozenset({"0", "1", "2"}), "mau giao": frozenset({"3", "4", "5"})}
# "giáo viên mẫu giáo", "trường mẫu giáo", "dạy mẫu giáo": the preschool level (the plans' "mầm non"), not only an age group
_PRESCHOOL_LEVEL = re.compile(r"\b(?:giao vien|gv|co giao|thay co|truong|(?<!pho )cap|bac|day) (?:day )?mau giao\b")


@lru_cache(maxsize=8192)
def qualifiers(text: str) -> dict[str, frozenset[str]]:
    """What narrows a figure, by kind: "mức độ 2", "cấp THCS", "trẻ 5 tuổi", "nhà trẻ", "học kỳ II" ->
    {"muc": {"2"}, "cap": {"thcs"}, "tuoi": {"5", "nha tre"}, "hoc ky": {"ii"}}
    (cached, so the values are frozen)."""
    folded = fold(text)
    out: dict[str, set[str]] = {}
    for m in _QUALIFIER.finditer(folded):
        kind, value = (("muc", m.group(2)) if m.group(1) else ("tuoi", m.group(3)) if m.group(3)
                       else ("hoc ky", _SEMESTERS.get(m.group(6), m.group(6))) if m.group(6) else ("cap", m.group(5)))
        out.setdefault(kind, set()).update(_LEVELS_OF.get(value, {_LEVEL_NAMES.get(value, value)}))
    for m in _AGE_RANGE.finditer(folded):
        low, high = int(m.group(1)), int(m.group(2))
        if low < high <= 25:
            ages = {str(a) for a in range(low, high + 1)}
            out.setdefault("tuoi", set()).update(ages | ({"mau giao"} if ages == {"3", "4", "5"} else set()))
    for m in _AGE_GROUP.finditer(folded):
        out.setdefault("tuoi", set()).add(m.group(1))
    if _PRESCHOOL_LEVEL.search(folded):
        out.setdefault("cap", set()).add("mam non")
    return {kind: frozenset(values) for kind, values in out.items()}


# "riêng hệ GDTX", "riêng THCS thôi không gộp THPT": that level alone, not a figure it shares with another
_LEVEL_ALONE = re.compile(rf"\brieng (?:he |cap |bac |khoi )?(?:{LEVELS})\b|\bkhong gop\b")
ALONE = "cap rieng"  # the asked qualifier kind of a level asked alone


def asked_qualifiers(question: str) -> dict[str, frozenset[str]]:
    """What narrows the figure a question asks for: as qualifiers(), but an age named within an age group
    is the narrower ask ("trẻ 5 tuổi học mẫu giáo lớn" -> {"tuoi": {"5"}}), and a level asked alone is
    also kept as ALONE ("riêng hệ GDTX" -> {"cap": {"gdtx"}, ALONE: {"gdtx"}})."""
    found = dict(qualifiers(question))
    folded = fold(question)
    ages = found.get("tuoi", frozenset())
    named = {a for a in ages if a.isdigit()}
    if named and not _AGE_RANGE.search(folded):
        found["tuoi"] = frozenset(a for a in ages if not named & _GROUP_AGES.get(a, frozenset()))
    if "cap" in found and _LEVEL_ALONE.search(folded):
        found[ALONE] = found["cap"]
    return found


# Whom a figure counts: learners ("thanh niên 15-17 tuổi" are "học sinh trong độ tuổi"), teaching staff, schools, classrooms
_POPULATIONS = (
    ("learners", re.compile(r"\b(?:tre|hoc sinh|hs|sinh vien|hoc vien|chau|thanh nien)\b")),
    ("staff", re.compile(r"\b(?:giao vien|gv|nha giao|can bo quan ly|cbql|doi ngu)\b")),
    ("schools", re.compile(r"(?<!moi )(?<!hieu )(?<!tang )\btruong\b(?! (?:phong|ban|doan|hop)\b)|\bco so giao duc\b")),
    ("rooms", re.compile(r"\bphong hoc\b")),
)


def populations(text: str) -> frozenset[str]:
    """Whom a text's figures can count ("tỷ lệ giáo viên mầm non" -> {"staff"})."""
    folded = fold(text)
    return frozenset(name for name, pattern in _POPULATIONS if pattern.search(folded))


def _qualifier_conflict(asked: dict[str, frozenset[str]], stated: dict[str, frozenset[str]]) -> bool:
    """The window narrows the figure the other way: "mức độ 2" where the question asks "mức độ 1", or
    "cả hệ THPT và GDTX" where it asks "riêng hệ GDTX"."""
    alone = asked.get(ALONE)
    if alone is not None and stated.get("cap", frozenset()) - alone:
        return True
    return any(kind in stated and not values & stated[kind] for kind, values in asked.items())


_PLACE_WORDS = frozenset({"huyện", "huyen", "xã", "xa", "trấn", "tran"})
# Words that follow "huyện / xã" without naming one (folded): "huyện nghèo", "xã đạt chuẩn", "huyện, thị xã",
# and the asker's own ("xã em còn nhiều bà con chưa biết chữ", "huyện mình", "xã chúng tôi")
_NOT_A_NAME = frozenset({"nao", "ai", "khu", "duy", "ngheo", "khac", "thanh", "vung", "dat", "co", "va", "la", "o", "cua", "bien", "dac",
                         "em", "minh", "toi", "tui", "chung",
                         "phuong", "thi", "hoi", "nong", "huyen", "xa", "tren", "duoc", "chuan", "mien", "nui", "gi",
                         "cac", "nhung", "nay", "do", "trong", "ve", "voi", "cho", "se", "ma", "de", "phai", "can"})


# "vnEdu hay SMAS", "thi tuyển hay xét tuyển": two options side by side ("… hay không", "hay chưa", "giống không hay khác" ask yes or no)
_OPTIONS = re.compile(r"(\w+(?: \w+)?)(?<!\bkhong)(?<!\bchua)(?<!\bko) hay (?!(?:khong|chua|ko|k|la|thi sao|nhat|hon)\b)(\w+(?: \w+)?)")


def alternatives(text: str) -> tuple[frozenset[str], ...]:
    """The options a question offers, each by its topic words the other lacks (folded): "tiếng Mông hay
    tiếng Thái" -> ({"mong"}, {"thai"}); none when an option has no word of its own."""
    m = _OPTIONS.search(" ".join(fold(text).lower().split()))
    if not m:
        return ()
    left, right = (set(w for w in side.split() if not is_stopword(w)) for side in m.groups())
    options = (frozenset(left - right), frozenset(right - left))
    return options if all(options) else ()


def named_places(text: str) -> set[str]:
    """Districts and communes a question names, folded ("huyện Mường Tè" -> "muong te"), not generic
    ones ("các huyện", "xã nông thôn mới", "huyện nghèo")."""
    ws = words(text)
    out = set()
    for i, w in enumerate(ws[:-2]):
        name = ws[i + 1 : i + 3]
        if w in _PLACE_WORDS and not any(fold(n) in _NOT_A_NAME or (has_diacritics(n) and is_stopword(n)) or n.isdigit()
                                         for n in name):
            out.add(" ".join(fold(n) for n in name))
    return out


def _qualifying_numbers(text: str) -> set[str]:
    """Numbers that narrow what the question asks ("mức độ 2", "trẻ 4 tuổi", "lớp 10") — not years,
    document numbers ("KH 285", "chỉ thị 36") or durations ("5 năm")."""
    folded = fold(text)
    out = set()
    for m in _NUMBER.finditer(folded):
        n = m.group()
        if YEAR.fullmatch(n) or REFERENCE.search(folded[: m.start()]) or folded[m.end():].lstrip().startswith("nam"):
            continue
        out.add(n)
    return out


_MONTH = re.compile(r"\bthang (\d{1,2})\b|\b\d{1,2}/(\d{1,2})/\d{4}\b|(?<![\d/])(\d{1,2})/\d{4}\b")


def months_named(text: str) -> set[str]:
    """The months a text names: "tháng 12/2024", "tháng 9 năm 2024", "trước ngày 25/6/2025" -> {"12", "9", "6"}."""
    return {str(int(next(g for g in m.groups() if g))) for m in _MONTH.finditer(fold(text))}


def _missing_word(view: QuestionView, grams: Grams) -> float:
    """The IDF of the rarest question word a passage lacks, on a 0..1 scale: a passage without
    "kiên cố" does not answer a question about "phòng học kiên cố", whatever else it shares."""
    missing = [w for t, w in view.matcher.weights.items() if " " not in t and not _has_term(t, grams)]
    return max(missing, default=0.0) / view.idf_scale


def _has_term(term: str, grams: Grams) -> bool:
    return term in (grams.accented if has_diacritics(term) else grams.folded)


_FULL_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")


def _year_conflict(view: QuestionView, hit: Hit, passage: str) -> bool:
    """The question names a school year the passage and its plan never mention, or years none of
    which they mention: a 2024-2025 plan does not answer for 2025-2026."""
    meta = hit.chunk.metadata
    if view.plan_refs & numbers_naming(meta.number, meta.title):
        return False  # "kh 2024 và kh 285": the question names this plan by its number, its year names the other
    # a title's full dates are those of the texts it implements ("Kế hoạch số 285-KH/TU ngày 29/11/2024"),
    # not the period the plan is for
    own = f"{passage} {meta.school_year} {meta.date} {_FULL_DATE.sub(' ', meta.title)}"
    years, school_years = named_years(own)
    stated = _with_halves(years, school_years)
    if view.school_years and view.years:  # two periods ("Lai Châu năm học 2024-2025, Hòa Bình năm 2024"): either
        return not (view.school_years & school_years or view.years & stated)
    if view.school_years and not view.school_years & school_years:
        return True
    return bool(view.years) and not view.years & stated


def _with_halves(years: set[str], school_years: set[str]) -> set[str]:
    """Single years together with both years of each school year ("2024-2025" -> "2024", "2025")."""
    return years | {y for sy in school_years for y in sy.split("-")}


def _has_anchor(matcher: Matcher, grams: Grams) -> bool:
    """Matcher.has_anchor on grams already cut (the single words are among them)."""
    return matcher.anchor is None or _has_term(matcher.anchor, grams)


def _typed_features(view: QuestionView, text: str, window: str, f: dict[str, float]) -> list[Span]:
    """The window's new spans of the kind the question asks for (the figures an answer would
    give); records the type features in f."""
    at = text.find(window)
    found = spans_within(text, at, at + len(window)) if at >= 0 else find_spans(window)
    typed = _in_asked_years(view, answering_spans(view.kind, found, view.question_digits, view.unit, window))
    f["type_exact"] = float(any(s.kind == view.kind or (view.kind == "agency" and s.kind == "person") for s in typed))
    f["span_near"] = _nearness(view.matcher, window, typed)
    # the clause the figures stand in, read by the checks below
    clause = leading_clause(view.matcher, window, typed) if typed and (view.kind in _CLAUSE_KINDS or view.qualifiers) else ""
    if view.kind in _CLAUSE_KINDS and typed and _ROW not in window:
        # the clause a figure stands in must be about the question: "đạt tỷ lệ tối thiểu 19% trong tổng chi
        # thường xuyên" shares only "tỷ lệ" with "tỷ lệ huy động trẻ nhà trẻ", "… môn Tiếng Anh tự chọn lớp 1,
        # lớp 2" only "lớp" with "học bạ số áp dụng cho lớp mấy"
        f["figure_elsewhere"] = float(_shared_words(view.grams, clause) < FIGURE_CLAUSE_WORDS
                                      or _rarest_after_figures(view.matcher, window, typed))
    if view.present and view.kind in _FIGURE_KINDS and typed and not _ACHIEVED.search(fold(window)):
        # "hiện có bao nhiêu trường đạt chuẩn": a target ("phấn đấu", "đến năm 2030", "đối với 35 cơ sở") is
        # not how things stand; a table's "chỉ tiêu đạt được" is
        f["not_current"] = 1.0
    if view.qualifiers and typed and not f["qualifier_conflict"]:
        # "… tốt nghiệp THCS đạt trên 99%; tỉ lệ học sinh tiểu học được học 2 buổi/ngày đạt 90%" names THCS,
        # but the figure for "THCS học 2 buổi/ngày" would be the primary schools' one
        f["qualifier_conflict"] = float(_qualifier_conflict(view.qualifiers, qualifiers(clause)))
    if view.kind in _FIGURE_KINDS and typed and not f["qualifier_conflict"] and view.years and _ROW not in window:
        # "năm 2024 tăng thêm bao nhiêu chỉ tiêu": "định hướng đến năm 2030 có 10%" is another year's figure
        years, _ = named_years(clause)
        f["qualifier_conflict"] = float(bool(years) and not years & view.years)
    if view.kind in _FIGURE_KINDS and typed and not f["qualifier_conflict"] and view.counts_whom:
        # "tỷ lệ giáo viên mầm non đạt chuẩn" is not answered by "tỷ lệ huy động trẻ nhà trẻ ra lớp đạt 46%",
        # nor "trường THPT đạt chuẩn quốc gia" by the table row "Tỷ lệ giáo viên THPT đạt chuẩn đào tạo"
        label = row_label(window)
        stated = populations(clause if label is None else label)
        f["qualifier_conflict"] = float(bool(stated) and not view.counts_whom & stated)
    return typed


_DATE_KINDS = frozenset({"date", "deadline", "docdate"})
_DATE_QUESTIONS = frozenset({"date", "deadline", "when"})  # not "docdate": "kế hoạch 2024 căn cứ kết luận 51 ngày nào"
_SPAN_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _in_asked_years(view: QuestionView, typed: list[Span]) -> list[Span]:
    """A date answers a question naming its year or school year only if it falls in them: the exam of
    2025 is not held on "ngày 31/7/2020", the date of a programme the passage cites."""
    asked = _with_halves(view.years, view.school_years)
    if not asked or view.kind not in _DATE_QUESTIONS:
        return typed
    return [s for s in typed if s.kind not in _DATE_KINDS or not (ys := set(_SPAN_YEAR.findall(s.text))) or ys & asked]


# Words any figure question or target sentence may use, whatever it is about.
_FIGURE_FRAMING = frozenset({"ty", "ti", "le", "dat", "toi", "thieu", "tren", "duoi", "it", "nhat", "phan", "dau", "chi",
                             "tieu", "muc", "nam", "hoc", "so", "tong", "cac", "va", "tro", "len", "trong", "bao",
                             "nhieu", "nay"})
_FIGURE_KINDS = frozenset({"percent", "figure", "count", "money"})
_CLAUSE_KINDS = _FIGURE_KINDS | {"label"}  # a grade or criterion asked is the figure of its clause too
_PRESENT = re.compile(r"\b(?:hien (?:nay|tai|co|gio)|bay gio)\b")
_ACHIEVED = re.compile(r"\b(?:dat duoc|hien (?:nay|tai|co)|da (?:dat|co|duoc))\b")


OTHER_CLAUSE_SHARE = 0.5  # a figure's clause sharing under half what the window's best clause shares is about another


def _rarest_after_figures(matcher: Matcher, window: str, typed: list[Span]) -> bool:
    """Whether the rarest question word the window holds stands only after every figure, past the comma
    that ends the figure's phrase: "giảm tỉ lệ trẻ suy dinh dưỡng … thấp còi dưới 5%, tỉ lệ trẻ em thừa
    cân, béo phì được kiểm soát" gives no figure for "thừa cân, béo phì" (the 5% is of the words before it),
    nor "100% trẻ học 2 buổi/ngày …; tỷ lệ trẻ suy dinh dưỡng giảm" for "suy dinh dưỡng" (another clause).
    A figure opening its phrase is of the words after it ("; 100% giáo viên tiểu học, trung học cơ sở có
    trình độ từ đại học")."""
    present = [(w, t) for t, w in matcher.weights.items() if " " not in t and t.isalpha() and _word_at(t, window) >= 0]
    if not present:
        return False
    _, rarest = max(present)
    ends = [m.start() for m in _CLAUSE_END.finditer(window)]
    bounds = list(zip([0] + ends, ends + [len(window)]))
    best = max(matcher.coverage_of(grams_of(window[a:b])) for a, b in bounds)
    for span in typed:
        start = max((e for e in ends if e < span.start), default=0)
        stop = min([e for e in ends if e >= span.end] + [len(window)])
        if _word_at(rarest, window[start:stop]) < 0 and matcher.coverage_of(grams_of(window[start:stop])) < OTHER_CLAUSE_SHARE * best:
            continue  # "100% trẻ học 2 buổi/ngày …; tỷ lệ trẻ suy dinh dưỡng giảm": the figure's clause is another's
        comma = window.find(",", span.end, stop)
        if comma < 0 or len(_WORD_RUN.findall(window[max(start, window.rfind(",", start, span.start) + 1):span.start])) <= 1:
            return False  # the figure opens its phrase, or its clause goes on without a comma: it may be of any word there
        # the figure ends its phrase ("… thấp còi dưới 5%,"): a word after the comma is another subject's
        if _word_at(rarest, window[start:comma]) >= 0 or _word_at(rarest, window[comma:stop]) < 0:
            return False
    return True


def _word_at(term: str, text: str) -> int:
    """Where the question word first stands in the text, matched as typed (accent-aware), or -1."""
    folded_term = not has_diacritics(term)
    for m in _WORD_RUN.finditer(text):
        w = m.group().lower()
        if (fold_word(w) if folded_term else w) == term:
            return m.start()
    return -1


def _shared_words(question: Grams, clause: str) -> int:
    """How many of a clause's words other than figure framing the question uses, as typed: a word typed
    with marks matches only those marks ("động" of "huy động" is in "hoạt động"; "bao" of "bao nhiêu" is
    not "bảo"), one typed without them matches any."""
    own = {w.lower() for w in words(clause) if not is_stopword(w) and fold(w) not in _FIGURE_FRAMING}
    return sum(1 for w in own if w in question.accented or (fold(w) in question.folded and fold(w) in question.accented))
# Of the training questions asking a figure whose best window was a sentence, those whose figure's clause
# shared fewer than two other words with the question were 24 unanswerable ones and 3 answerable ones
# whose window did not hold the answer either.
FIGURE_CLAUSE_WORDS = 2


_SUBJECT_KINDS = ("agency", "person")


def _subject(text: str, window: str, sentence: str, section: str, own: list[Span]) -> list[Span]:
    """Who a window speaks of when it leaves the subject out: the agency or person opening its
    sentence ("6. Đề nghị Ủy ban MTTQ … phối hợp …, công tác vận động …"), else the heading it stands
    under when that heading names an agency ("1. Sở Giáo dục và Đào tạo" > "…; chủ trì, phối hợp …").
    The answer shows it first; the features do not count it (measured: no better ranking)."""
    at, start = text.find(window), text.find(sentence)
    titled = bool(_TITLE_OPENING.match(fold(window)))
    if not titled and any(s.kind in _SUBJECT_KINDS and s.start <= 4 for s in own):  # spans count from the window's start
        return []  # the window opens with who acts
    found = []
    if 0 <= start < at:
        before = [s for s in spans_within(text, start, at) if s.kind in _SUBJECT_KINDS]
        found = [s for s in before if s.start <= _OPENING]
        if not found and titled:
            # "… đồng chí Tráng Thị Xuân - Ủy viên …, Trưởng Ban Chỉ đạo …": the window opens with a title
            # of the person named earlier in the sentence
            found = [s for s in before if s.kind == "person"][-1:]
    if not found:
        heading = section.rsplit(" > ", 1)[-1]
        found = [s for s in find_spans(heading) if s.kind in _SUBJECT_KINDS and s.start <= _OPENING]
    return found[:1]


_OPENING = 20  # a subject stands at the start of its heading or sentence ("6. Đề nghị Ủy ban …")
_TITLE_OPENING = re.compile(r"(truong (ban|phong|khoa|doan)|pho (chu tich|giam doc|truong|hieu truong|bi thu|ban)|giam doc"
                            r"|chu tich|uy vien|bi thu|thu truong)\b", re.I)


def _nearness(matcher: Matcher, window: str, spans: list[Span]) -> float:
    """1 when a typed span stands right next to a word of the question, falling with the distance
    in words (a figure belongs to the words around it); 0 without a typed span."""
    gaps = span_gaps(matcher, window, spans)
    return 1.0 / (1.0 + min(gaps) / 4.0) if gaps and min(gaps) >= 0 else 0.0


_WORD_RUN = re.compile(r"[^\W_]+")
# not ":": a table row's "Năm học 2024-2025, chỉ tiêu: 99,85%" is one clause; its label ends at " — "
_CLAUSE_END = re.compile(r";\s+|\.\s+| — ")


def leading_spans(matcher: Matcher, window: str, spans: list[Span]) -> list[Span]:
    """The spans of the clause sharing most of the question's words, nearest to one of them first:
    "… trẻ 6 tuổi vào lớp 1 đạt 100%; … khuyết tật học hòa nhập … đạt 85%" asked about khuyết tật
    leads with 85% alone."""
    return [spans[n] for n in _leading(matcher, window, spans)[1]]


def leading_clause(matcher: Matcher, window: str, spans: list[Span]) -> str:
    """The clause the leading spans stand in ("" without spans): what the figure an answer gives is of."""
    return _leading(matcher, window, spans)[0]


def _leading(matcher: Matcher, window: str, spans: list[Span]) -> tuple[str, list[int]]:
    if not spans:
        return "", []
    ends = [m.end() for m in _CLAUSE_END.finditer(window)]
    def clause(at: int) -> str:
        i = bisect_left(ends, at + 1)
        return window[ends[i - 1] if i else 0 : ends[i] if i < len(ends) else len(window)]
    gaps = span_gaps(matcher, window, spans)
    keys = sorted((-matcher.coverage_of(grams_of(clause(s.start))), gap, n) for n, (s, gap) in enumerate(zip(spans, gaps)))
    return clause(spans[keys[0][2]].start), [n for cov, _, n in keys if cov == keys[0][0]]


def span_gaps(matcher: Matcher, window: str, spans: list[Span]) -> list[int]:
    """Each span's distance in words to the nearest question word in the window (-1 when the
    window holds none of them)."""
    if not spans:
        return []
    terms = {fold_word(t) for t in matcher.weights if " " not in t}
    positions = [m.start() for m in _WORD_RUN.finditer(window) if fold_word(m.group().lower()) in terms]
    if not positions:
        return [-1] * len(spans)
    return [min(_words_between(window, p, s) for p in _nearest(positions, s.start)) for s in spans]


def _nearest(positions: list[int], at: int) -> list[int]:
    """The closest question word before a span and the closest from its start on: the gap in
    words only grows farther away, so these two give the smallest one."""
    i = bisect_left(positions, at)
    return positions[max(0, i - 1) : i + 1]


def _words_between(text: str, pos: int, span: Span) -> int:
    a, b = (pos, span.start) if pos < span.start else (span.end, pos)
    return len(words(text[a:b])) if b > a else 0


def is_usable(view: QuestionView, cand: Candidate) -> bool:
    """The hard part of the type check: a figure question needs a new figure of the right kind; a
    question about a district, a commune or a month needs a passage that names it (the plans set
    province-wide targets for a school year: the province's figure is not "huyện Mai Châu"'s, nor
    that of "tháng 12/2024"); a table row must be about the indicator asked for (row_precision), the
    clause a figure stands in about what the question asks (figure_elsewhere), and a passage must name
    one of the options a question offers ("vnEdu hay SMAS")."""
    return (in_asked_place(cand) and not cand.features.get("other_row") and not cand.features.get("figure_elsewhere")
            and not cand.features.get("not_current") and not cand.features.get("options_missing")
            and (view.kind not in STRICT or bool(cand.spans)))


def in_asked_place(cand: Candidate) -> bool:
    """Whether the window's passage names every district, commune and month the question names."""
    return not cand.features.get("place_missing")
