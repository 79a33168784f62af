"""Typed spans in plan text: the figures, dates, document numbers and agencies an answer is made of.

Plans write numbers the Vietnamese way ("32,8%", "1.200"), dates as "15/9/2024" or
"ngày 12 tháng 09 năm 2024", document numbers as "1899/QĐ-UBND" or "72-QĐ/TW". A claim
answers a "how much" question only when it holds a span of the kind asked for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from hoidap.vietnamese import fold

_NUM = r"\d+(?:[.,]\d+)*"
_UNITS = (
    "truong|giao vien|huyen|xa|co so|hoc sinh|sinh vien|tre|nguoi|lop|phong|diem|em|chi so|nam|thang|ngay|"
    "giai|huy chuong|cong trinh|de an|mo hinh|nhom|don vi|can bo|tiet|buoi|hoc vien|thon|ban|khoa|nganh|mon|chau"
)
COUNT_UNITS = frozenset(_UNITS.split("|")) | {"diem truong", "truong hoc", "hoc sinh", "giao vien"}
_MONEY_UNITS = r"(?:nghin |ngan |trieu |ty )?(?:dong|vnd)|trieu|ty"
_AGENCY = re.compile(
    r"\b(?:So|Phong|Bo|Uy ban|UBND|Ban|Van phong|Truong|Tinh uy|Hoi dong|Thu tuong|Chu tich|Pho Chu tich|"
    r"Giam doc|Pho Giam doc|Cong an|Trung tam|Doan|Hoi|Chinh phu|Cuc|Vu|Ngan hang|Bao|Dai)\b"
    r"(?: (?:[a-z]+ ){0,2}[A-Z][\w&-]*)*(?:(?: ban)? nhan dan(?: (?:tinh|huyen|xa))?| tao| dao| uy| thong| tinh)?"
)
_PERSON = re.compile(r"\b(?!Vuong Quoc )[A-Z][a-z]+(?: [A-Z][a-z]+){2,3}\b")  # "Vương Quốc Anh" is a kingdom

_DOC_KINDS = "de an|chi thi|nghi quyet|quyet dinh|nghi dinh|ke hoach|ket luan|thong tu|chuong trinh hanh dong"
# Patterns run on the accent-folded text (same length as the original); earlier kinds win overlaps.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "1899/QĐ-UBND", "72-QĐ/TW"; a text named by its kind and number ("Đề án 06", "Kết luận số 91") or by
    # who issued it ("Nghị quyết của HĐND tỉnh")
    # ("31/CT-TTg", "141/2020/NĐ -CP" and "29- NQ/TW" as some plans type them)
    ("docref", re.compile(r"\b\d+(?:/\d{4})?/[A-Z]{1,3}[a-z]?[A-Z0-9-]*[a-z]?(?:/[A-Z0-9-]+)?(?: -[A-Z]+)?\b|\b\d+- ?[A-Z]{1,5}[a-z]?/[A-Z]{1,5}\b"
                          rf"|\b(?i:{_DOC_KINDS}) (?:(?i:so) )?\d+\b(?![\d/.,-]| ?%| (?i:nam|thang|ngay|tuoi)\b)"
                          rf"|\b(?i:{_DOC_KINDS}) cua (?:HDND|UBND|Quoc hoi|Chinh phu|Thu tuong|Tinh uy|Ban Thuong vu|Bo [A-Z]\w*)\b")),
    ("date", re.compile(
        r"\b(?:ngay )?\d{1,2} thang \d{1,2} nam \d{4}\b|(?:\bngay )?\b\d{1,2}/\d{1,2}/\d{4}\b|\bthang \d{1,2}(?:/| nam )\d{4}\b"
        r"|\bngay \d{1,2}/\d{1,2}\b", re.I)),
    ("money", re.compile(rf"\b{_NUM} ?(?:{_MONEY_UNITS})\b", re.I)),
    ("percent", re.compile(rf"(?<![\w/]){_NUM} ?(?:%|phan tram)|\b\d+/\d+\b(?! ?[A-Za-z])", re.I)),
    ("year", re.compile(r"\b(?:19|20)\d{2}(?: ?- ?(?:19|20)\d{2})?\b")),
    ("ordinal", re.compile(r"\b(?:lan|muc do|muc|cap|khoa|dot) (?:thu )?(?:[IVXL]+|\d+)\b", re.I)),
    # Numbers that name rather than measure: "lớp 1, lớp 2", "tiêu chí 14", a heading's "15." — never a figure.
    ("label", re.compile(
        r"\b(?:lop|khoi|tieu chi|dieu|khoan|chuong|phan|diem|khu vuc|hoc ky|nhom|tieu muc|ISO|de an|chi thi|so) \d+(?![\d/-])(?:(?:, ?| va )(?:lop )?\d+\b)*"
        r"|(?m:^)[ \t]*[-+]?[ \t]*\d+(?:\.\d+)*[.)](?=\s)", re.I)),
    ("age", re.compile(rf"(?<![\w/]){_NUM}(?: ?- ?{_NUM}| den {_NUM})? tuoi\b", re.I)),
    # "10/10 huyện": all ten of ten districts, a count of the unit named
    ("count", re.compile(rf"(?<![\w/])(?:\d+/\d+|{_NUM}) (?:{_UNITS})\b", re.I)),
    ("number", re.compile(rf"(?<![\w/]){_NUM}(?![\w/])")),
    # "(có hiệu lực thi hành) kể từ ngày ký", "… từ ngày 01/01/2025": when a text takes effect
    ("effective", re.compile(r"(?:(?<=hieu luc )|(?<=hieu luc thi hanh ))(?:ke )?tu (?:ngay|khi)\b[^.;\n]{1,40}")),
    # "khi có các văn bản hướng dẫn của Bộ GDĐT": a time given as the condition it waits for
    ("condition", re.compile(r"\bkhi (?:co|duoc|du|hoan thanh)\b[^.;:\n]{5,100}")),
    ("place", re.compile(r"\b(?:tai|o) (?:tinh |thanh pho |TP\.? |huyen |xa |thu do )?[A-Z]\w*(?: [A-Z]\w*){0,3}")),
    ("agency", _AGENCY),
    ("person", _PERSON),
)
KINDS = tuple(kind for kind, _ in PATTERNS)


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int
    text: str


def find_spans(text: str) -> list[Span]:
    """Typed spans of a text in reading order; a character belongs to at most one span."""
    folded = _fold_same_length(text)
    taken = [False] * len(text)
    spans: list[Span] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(folded):
            a, b = m.span()
            if b > a and not any(taken[a:b]):
                spans.append(Span(kind, a, b, text[a:b]))
                taken[a:b] = [True] * (b - a)
    return _dated_documents(sorted(spans, key=lambda s: s.start), folded)


_DOC_DATE_GAP = re.compile(r"[\s,]*(?:ngay\s*)?$")
# "ngày 29/6/2023 của Ban Thường vụ Tỉnh ủy": who signed it follows the date (the number before it may be
# typed past recognition: "Quyết định số 2752/QĐ-  UBND ngày 28/11/2023 của UBND tỉnh")
_ISSUER = re.compile(r"\s*,?\s*cua\s+[A-Z]")
_DUE = r"\btruoc|\bcham nhat(?: la)?|\bhan(?: chot| cuoi)?(?: la)?"
_BY_DATE = re.compile(rf"(?:{_DUE})\s*(?:ngay\s*)?$")
# "trước năm 2025", "đến hết năm 2025": a year by which something is done
_BY_YEAR = re.compile(rf"(?:{_DUE}|\bden(?: het)?|\bhet|\bcuoi)\s*(?:nam\s*)?$")


def _dated_documents(spans: list[Span], folded: str) -> list[Span]:
    """A date right after a document number ("Chương trình số 306/CTr-UBND ngày 31/7/2020") is when
    that document was signed ("docdate"), not the date of an event the plan sets, and so is one followed by
    who signed it; one after "trước (ngày)" is a deadline ("deadline": "báo cáo … khai giảng trước ngày
    15/9" does not date the opening), and so is a year after "trước / đến hết (năm)"."""
    out = [Span("deadline", s.start, s.end, s.text) if _by(s, folded) else s for s in spans]
    for i in range(1, len(out)):
        prev, cur = out[i - 1], out[i]
        if cur.kind == "date" and prev.kind == "docref" and cur.start - prev.end <= 8 \
                and _DOC_DATE_GAP.match(folded[prev.end:cur.start]):
            out[i] = Span("docdate", cur.start, cur.end, cur.text)
    return [Span("docdate", s.start, s.end, s.text) if s.kind == "date" and _ISSUER.match(folded, s.end) else s for s in out]


def _by(span: Span, folded: str) -> bool:
    """A date after "trước (ngày)", or a single year after "trước / đến (hết) (năm)": when something is due."""
    before = folded[max(0, span.start - 16):span.start]
    if span.kind == "date":
        return bool(_BY_DATE.search(before))
    return span.kind == "year" and len(span.text) == 4 and bool(_BY_YEAR.search(before))


@lru_cache(maxsize=4096)
def _spans_cached(text: str) -> tuple[Span, ...]:
    return tuple(find_spans(text))


def spans_within(text: str, start: int, end: int) -> list[Span]:
    """find_spans of text[start:end], from one (cached) pass over the whole text: a passage's
    windows share it, and passages come back question after question."""
    return [Span(s.kind, s.start - start, s.end - start, s.text) for s in _spans_cached(text)
            if s.start >= start and s.end <= end]


def digits(text: str) -> str:
    """The digits of a span, to tell a new figure from one the question already states."""
    return re.sub(r"\D", "", text)


def _fold_same_length(text: str) -> str:
    """Accent-folded text with the original's length, so folded offsets are original offsets."""
    return "".join(map(_base_letter, text))


@lru_cache(maxsize=4096)
def _base_letter(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    base = base if len(base) == 1 else ch
    return {"đ": "d", "Đ": "D"}.get(base, base)


YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
PLAN_NUMBER = re.compile(r"\d{3,}")  # a number that can name a plan: "lớp 10", "kết luận 91" are too short
# the words that name a text by its number (folded): "kế hoạch 285", "qđ số 1102", "kh triển khai 285"
REFERENCE = re.compile(r"\b(ke hoach|kh|quyet dinh|qd|nghi quyet|nq|chi thi|ct|ket luan|kl|thong tu|tt|cong van|cv|chuong trinh"
                        r"(?: hanh dong)?|de an|thong bao|to trinh|so)\s+(?:(?:trien khai|thuc hien)\s+)?(?:so\s+)?$")

# "2024 - 2025", "2024/2025"; typed with a space only ("năm học 2024 2025") when the years follow each other
_SCHOOL_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})( ?[-–/] ?| )((?:19|20)\d{2})(?!\d)")


def named_years(text: str) -> tuple[set[str], set[str]]:
    """(years named on their own, school years) of a text: "năm 2024 … đến 2030, năm học 2024 - 2025"
    -> ({"2024", "2030"}, {"2024-2025"}); the halves of a school year are not years on their own."""
    school_years: set[str] = set()

    def cut(m: re.Match[str]) -> str:
        first, sep, second = m.groups()
        if sep.strip() or int(second) == int(first) + 1:
            school_years.add(f"{first}-{second}")
            return " "
        return m.group()

    return set(YEAR.findall(_SCHOOL_YEAR.sub(cut, text))), school_years


def plan_references(text: str) -> set[str]:
    """Numbers of three digits or more that follow "kế hoạch", "quyết định", "số"…: a plan's own number."""
    folded = fold(text)
    return {m.group() for m in PLAN_NUMBER.finditer(folded)
            if not YEAR.fullmatch(m.group()) and REFERENCE.search(folded[: m.start()])}


def numbers_naming(number: str, title: str) -> set[str]:
    """The numbers a plan can be named by: those of its own number and of its title ("3707" of 3707/KH-UBND,
    "285" of "Triển khai thực hiện Kế hoạch số 285-KH/TU …")."""
    return set(PLAN_NUMBER.findall(f"{number} {title}"))
