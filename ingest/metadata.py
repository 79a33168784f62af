"""Document metadata read from the text itself: title, province, issuer, number, date, year."""

from __future__ import annotations

import re
from collections import Counter

from hoidap.models import DocumentMetadata, Paragraph
from hoidap.vietnamese import PROVINCES, find_provinces, fold

_NUMBER = r"(\d{1,5}/[A-ZĐ][A-ZĐa-zđ&\-/]*[A-ZĐa-zđ])"
_ATTACHED = re.compile(
    r"[Kk]èm theo (Quyết định|Kế hoạch|Công văn|Thông báo) số:?\s*" + _NUMBER
    + r"(?:\s*ngày\s*(\d{1,2})(?:/|\s*tháng\s*)(\d{1,2})(?:/|\s*năm\s*)(\d{4}))?"
    + r"(?:\s*của\s*([^)]+?))?\s*\)"
)
_HEADER_NUMBER = re.compile(r"^Số:?\s*" + _NUMBER)
_PLACE_DATE = re.compile(r"^[^,]{2,40},\s*ngày\s*(\d{0,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})")
_SCHOOL_YEAR = re.compile(r"năm học\s*(\d{4})\s*-\s*(\d{4})", re.I)
_YEAR_IN_TITLE = re.compile(r"năm\s+(\d{4})", re.I)
_DOC_TYPES = ("Quyết định", "Kế hoạch", "Công văn", "Thông báo", "Chỉ thị", "Hướng dẫn", "Báo cáo")


def extract_metadata(paragraphs: list[Paragraph]) -> DocumentMetadata:
    """Best-effort metadata; fields the text does not state stay empty.

    `evidence` records the paragraph each field was read from, so that a question
    such as "ai ký?" can be answered with a citation of that very paragraph.
    """
    body = [p for p in paragraphs if p.kind != "footnote"]
    texts = [p.text for p in body]
    province = detect_province(texts)
    meta = DocumentMetadata(province=province)
    found = next(((i, m) for i, t in enumerate(texts) for m in [_ATTACHED.search(t)] if m), None)
    attached = found[1] if found else None
    if found:
        at = body[found[0]].ordinal
        meta.evidence.update(number=at, date=at, issuer=at)
    if attached:
        meta.doc_type = attached.group(1)
        meta.number = attached.group(2)
        if attached.group(5):
            meta.date = _date(attached.group(3), attached.group(4), attached.group(5))
        if attached.group(6):
            meta.issuer = _issuer_with_province(attached.group(6).strip(), province)
    _from_header(body[:12], meta)
    meta.title = _title(texts[:12], meta)
    _signer(body, meta)
    _recipients(body, meta)
    meta.doc_type = _doc_type(meta.title) or meta.doc_type
    meta.school_year = _school_year(texts, meta.title)
    year_at = next((p.ordinal for p in body if meta.school_year and _mentions_year(p.text, meta.school_year)), None)
    if year_at is not None:
        meta.evidence["school_year"] = year_at
    if not meta.issuer:
        meta.issuer = _guess_issuer(texts, meta, province)
        # the paragraph that names it ("Sở Giáo dục và Đào tạo xây dựng Kế hoạch …"), so "do cơ quan nào ban hành" cites it
        said = next((p.ordinal for p in body[:12] if _ISSUER_NAMED.search(p.text)), None) if meta.issuer else None
        if said is not None and "issuer" not in meta.evidence:
            meta.evidence["issuer"] = said
    return meta


_ISSUER_NAMED = re.compile(r"\b(?:Sở Giáo dục và Đào tạo|Ủy ban nhân dân tỉnh|UBND tỉnh)(?: \([^)]{1,12}\))? (?:xây dựng|ban hành) [Kk]ế hoạch\b")


def detect_province(texts: list[str]) -> str:
    """The province the document is about: the one named most often, "tỉnh X" counting triple."""
    counts: Counter[str] = Counter()
    for text in texts:
        for name in find_provinces(text):
            counts[name] += 1
            if f"tinh {fold(name)}" in fold(text):
                counts[name] += 2
    return counts.most_common(1)[0][0] if counts else ""


def _date(day: str, month: str, year: str) -> str:
    return f"{int(day):02d}/{int(month):02d}/{year}" if day else f"{int(month):02d}/{year}"


def _issuer_with_province(issuer: str, province: str) -> str:
    if province and fold(issuer).endswith("tinh"):
        return f"{issuer} {province}"
    return issuer


def _from_header(head: list[Paragraph], meta: DocumentMetadata) -> None:
    for p in head:
        if not meta.number and (m := _HEADER_NUMBER.match(p.text)):
            meta.number = m.group(1)
            meta.evidence["number"] = p.ordinal
        if not meta.date and (m := _PLACE_DATE.match(p.text)):
            meta.date = _date(m.group(1), m.group(2), m.group(3))
            meta.evidence["date"] = p.ordinal


def _signer(body: list[Paragraph], meta: DocumentMetadata) -> None:
    """The person who signed: the name closing the first signature block that has one."""
    for p in body:
        if p.kind == "signature":
            meta.evidence.setdefault("signer", p.ordinal)
            name = [w for w in p.text.split() if w[:1].isupper() and w[1:].islower()]
            if len(name) >= 2:
                meta.signer = " ".join(name)
                meta.evidence["signer"] = p.ordinal
                return


def is_recipient_list(text: str) -> bool:
    """Whether a paragraph or passage opens the plan's distribution list ("Nơi nhận: - Bộ GD&ĐT; …; - Lưu: VT")."""
    return fold(text[:16]).startswith("noi nhan")


def _recipients(body: list[Paragraph], meta: DocumentMetadata) -> None:
    """Where the "Nơi nhận:" list (who the plan is sent to) starts, so an answer can cite it."""
    for p in body:
        if is_recipient_list(p.text):
            meta.evidence["recipients"] = p.ordinal
            return


def _title(head: list[str], meta: DocumentMetadata) -> str:
    """The caps heading at the top ("KẾ HOẠCH" + its subject line), in sentence case."""
    for i, text in enumerate(head):
        letters = [c for c in text if c.isalpha()]
        if len(letters) >= 6 and all(c.isupper() for c in letters) and fold(text).startswith(
            tuple(fold(t) for t in _DOC_TYPES)
        ):
            title = sentence_case(text)
            if len(text.split()) <= 3 and i + 1 < len(head):
                title = f"{title} {head[i + 1]}"
            return title
    if meta.number and meta.doc_type:
        return f"Kế hoạch kèm theo {meta.doc_type} số {meta.number}"
    return "Kế hoạch"


def sentence_case(text: str) -> str:
    """"KẾ HOẠCH TRIỂN KHAI ... TỈNH LAI CHÂU" -> "Kế hoạch triển khai ... tỉnh Lai Châu"."""
    if not any(c.islower() for c in text):
        text = text[:1] + text[1:].lower()
    for name in PROVINCES:
        text = re.sub(re.escape(name.lower()), name, text)
    return re.sub(r"\b(ubnd|gd&đt|thpt|thcs|gdđt)\b", lambda m: m.group(1).upper(), text)


def _doc_type(title: str) -> str:
    return next((t for t in _DOC_TYPES if fold(title).startswith(fold(t))), "")


def _school_year(texts: list[str], title: str) -> str:
    years = Counter(f"{a}-{b}" for t in texts for a, b in _SCHOOL_YEAR.findall(t))
    title_year = _SCHOOL_YEAR.search(title)
    if title_year:
        return f"{title_year.group(1)}-{title_year.group(2)}"
    if m := _YEAR_IN_TITLE.search(title):
        return m.group(1)
    return years.most_common(1)[0][0] if years else ""


def _mentions_year(text: str, year: str) -> bool:
    return any(f"{a}-{b}" == year for a, b in _SCHOOL_YEAR.findall(text)) or f"năm {year}" in text


def _guess_issuer(texts: list[str], meta: DocumentMetadata, province: str) -> str:
    """Who issues it, from the number's suffix or the caps issuer line at the top."""
    suffix = meta.number.split("-")[-1] if meta.number else ""
    for text in texts[:12]:
        if text.startswith("CHỦ TỊCH ỦY BAN NHÂN DÂN"):
            return sentence_case(text)
    joined = " ".join(texts[:12])
    if "SGD" in suffix or "Sở Giáo dục và Đào tạo" in joined or "SGD&ĐT" in joined:
        return f"Sở Giáo dục và Đào tạo tỉnh {province}".strip()
    if "UBND" in suffix or "Ủy ban nhân dân tỉnh ban hành" in joined:
        return f"Ủy ban nhân dân tỉnh {province}".strip()
    return ""
