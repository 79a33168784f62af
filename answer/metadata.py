"""Questions about a plan itself (who signed it, its number, its date, its school year, who it is sent to),
answered from the metadata read at ingestion and cited to the paragraph it came from."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from hoidap.answer.extractive import Claim
from hoidap.answer.spans import PLAN_NUMBER, YEAR, named_years, numbers_naming, plan_references
from hoidap.vietnamese import expand_shorthand, fold
from hoidap.models import DocumentMetadata, Hit, ParagraphLookup

# The offices that sign a plan, and "ký" that is signing ("kỳ thi", "kỳ họp" fold to the same letters)
_OFFICE = r"(?:giam doc|chu tich|lanh dao|truong phong|bi thu)"
_SIGNED = r"(?:truc tiep )?ky\b(?! (?:thi|hop|hoc|niem|nang))"
# "số hiệu văn bản", "số văn bản bao nhiêu": a document's own number, not that of a text it cites
_OWN_NUMBER = r"\bso (?:hieu|ky hieu|van ban)\b"

INTENTS: dict[str, re.Pattern[str]] = {
    # "vị lãnh đạo nào đã ký", "ký với cương vị gì" (the signature block names the office too)
    "signer": re.compile(r"\bai ky\b|nguoi ky|ky boi|ky ten|ai la nguoi ky|ai ky ban hanh|"
                         r"\b(?:lanh dao|vi|ong|ba|nguoi) nao (?:da )?ky\b|\bky\b.*\b(?:cuong vi|chuc vu|tu cach) (?:gi|nao)\b|"
                         # "… do phó giám đốc ký phải không", "có phải chủ tịch tỉnh trực tiếp ký …": a check of the
                         # signer, answered by the signature block
                         rf"\b{_OFFICE}\b(?: \w+){{0,6}} {_SIGNED}(?=.*\b(?:khong|ko|chua|a|ha|chu)\W*$)|"
                         rf"^co phai\b.*\b{_OFFICE}\b(?: \w+){{0,6}} {_SIGNED}"),
    "number": re.compile(rf"\bso (may|bao nhieu|nao)\b|{_OWN_NUMBER}|(quyet dinh|ke hoach|van ban) (so )?nao\b|kem (theo )?quyet dinh"),
    # ("… có hiệu lực từ ngày nào" asks when it takes effect, which a plan's date does not say)
    "date": re.compile(r"^(?!.*\bhieu luc\b).*?(?:ngay nao|ngay bao nhieu|ngay may|(ban hanh|ky) (vao )?(ngay|khi|thoi diem|luc) nao|khi nao ban hanh|ky ngay|"
                       r"(?<!\btu )\bngay (ban hanh|ky)\b|"
                       r"\b(ky|ban hanh|ra) cung (ngay|thang|luc)\b|"
                       r"(?<!chu )(?<!hoc )\b(ky|ban hanh|ra) (truoc|sau)\b|\b(ky|ban hanh|ra|lap) (vao )?thang (nam )?(may|nao)\b|\bthang (may|nao) nam (nao|may)\b|"
                       # "kế hoạch … ra đời thời điểm nào", "văn bản … ghi tháng năm nào"
                       r"\bra doi\b(?: \w+){0,2} (?:khi|luc|thoi diem|thang|nam|ngay) (?:nao|may)\b|\b(?:ghi|de|ky|ban hanh|ra) (?:ngay )?thang nam (?:nao|may)\b)"),
    "issuer": re.compile(r"(co quan|don vi|cap) nao ban hanh|ai ban hanh|cua ai ban hanh|do ai ban hanh|cua co quan nao|"
                         r"ban hanh boi|do cap nao|\b(?:co quan|don vi|cap) nao ra (?:quyet dinh|ke hoach|van ban)\b|"
                         # "kế hoạch năm 2024 của Hòa Bình do cơ quan nào làm / xây dựng": who drew up the plan itself
                         r"\b(?:ke hoach|van ban|quyet dinh|kh)\b.*\b(?:do|cua) (?:co quan|don vi|cap|ben|ai)(?: nao)? "
                         r"(?:lam|soan|soan thao|xay dung|lap|ra|dua ra)\W*(?:a|vay|the|nhi)?\W*$|"
                         # "có phải kế hoạch năm học của Sơn La do sở GD&ĐT ban hành không": a check of the issuer
                         r"^(?=.*\b(?:khong|ko|chua)\W*$|co phai\b).*\b(?:ke hoach|quyet dinh|van ban|kh|qd)\b.*"
                         r"\bdo (?:so|ubnd|uy ban|chu tich|bo|tinh|phong|hdnd)\b(?: [\w&]+){0,6} ban hanh\b"),
    "school_year": re.compile(r"nam hoc nao|ap dung cho nam"),
    "recipients": re.compile(r"\bgui (toi|den|cho|ve)\b|\bnoi nhan\b|\bgui nhung\b|\bgui di\b"),
}


# Fields only the plan's own paragraphs can answer: they win over any sentence of the body.
OWN_FIELDS = frozenset({"signer", "recipients"})


# What else a question may say is sent: "gửi báo cáo cho ai", "nộp hồ sơ … gửi về đâu" ask where a report goes
_SENT_OTHER = re.compile(r"\b(bao cao|ho so|de nghi|ket qua|san pham)\b")


def metadata_fields(question: str) -> list[str]:
    """Which document fields the question asks for, if it is a question about the document."""
    folded = " ".join(fold(question).split())
    fields = [name for name, pattern in INTENTS.items() if pattern.search(folded)]
    return [f for f in fields if f != "recipients" or not _SENT_OTHER.search(folded)]


# "ký ngày nào", "ban hành ngày mấy", "ngày ký": the day a plan itself was signed ("kỳ thi … ngày nào" is an event)
_SIGNING_DAY = re.compile(r"(?<!hoc )\b(ky|ban hanh)\b(?! (?:thi|hop|niem|nang)\b)(?: \w+){0,2} ngay (nao|may|bao nhieu)\b"
                          r"|\bngay (ky|ban hanh)\b")
_DAY_MONTH_YEAR = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")


_DAY_ASKED = re.compile(r"\bngay (nao|may|bao nhieu)\b|\bhom nao\b")


def day_asked(question: str) -> bool:
    """Whether the question asks for a day, which a header dated only by month cannot give."""
    return bool(_DAY_ASKED.search(" ".join(fold(question).split())))


def signing_day_asked(question: str) -> bool:
    """Whether the question asks the day a text was signed or issued ("ban hành ngày nào", "ngày ký")."""
    return bool(_SIGNING_DAY.search(" ".join(fold(question).split())))


def unsigned_day(question: str, date: str) -> bool:
    """Whether the question asks the day a plan was signed and the plan gives none: its header leaves
    the day blank ("Hoà Bình, ngày   tháng 02 năm 2025", read as 02/2025) or it has no dated header."""
    return signing_day_asked(question) and not _DAY_MONTH_YEAR.fullmatch(date)


def own_number_asked(question: str, title: str = "") -> bool:
    """Whether the question asks a document's own number: "số hiệu văn bản", or "số mấy" of a plan it names
    by its title ("kh chỉ đạo điều hành nhiệm vụ gd năm 2024 của hòa bình số mấy" for "Kế hoạch Chỉ đạo,
    điều hành thực hiện nhiệm vụ Giáo dục và Đào tạo năm 2024"), not of a text it cites."""
    folded = " ".join(fold(question).split())
    if re.search(_OWN_NUMBER, folded):
        return True
    asked = _PLAN_NUMBER_ASKED.search(folded) or _APPROVED_BY.search(folded)
    return bool(asked and title and not _NAMED_NUMBER.search(folded) and about_the_plans(question)
                and (title_share(expand_shorthand(question), title) >= TITLE_NAMED or _SCHOOL_YEAR_PLAN.search(folded)
                     and "nam hoc" in fold(title)))


# "kh … số mấy" of the first text named, unless another is named before the ask ("… để thực hiện kế hoạch số
# mấy", "tờ trình số mấy") or after it ("số mấy của tỉnh ủy"); "gửi những sở nào" asks for departments
_PLAN_NUMBER_ASKED = re.compile(
    r"^(?:(?!\b(?:ke hoach|kh)\b).)*\b(?:ke hoach|kh)\b"
    r"(?:(?!\b(?:ke hoach|kh|quyet dinh|qd|nghi quyet|to trinh|cong van|thong bao|chi thi)\b).)*"
    r"(?<!nhung )(?<!cac )(?<!gui )\bso (?:may|bao nhieu|nao|gi)\b(?! cua (?:tinh uy|ban thuong vu|bo|chinh phu|thu tuong|ubnd|trung uong)\b)")
# "kế hoạch năm học … được phê duyệt bằng quyết định số mấy": the decision that carries the plan is its own number
_APPROVED_BY = re.compile(r"\b(?:ke hoach|kh)\b(?:(?!\b(?:de an|chuong trinh|chi thi|nghi quyet)\b).)*"
                          r"\b(?:phe duyet|kem theo|ban hanh kem) (?:bang |tai |theo )?(?:quyet dinh|qd) (?:so )?(?:may|bao nhieu|nao)\b")
_NAMED_NUMBER = re.compile(r"(?<![\d/])(?!(?:19|20)\d\d\b)\d{3,}")  # "kh 285 …": a number names the text already
TITLE_NAMED = 0.6  # share of a plan's title words a question uses to name that plan by it
# "kế hoạch nhiệm vụ năm học của Lai Châu số mấy": the everyday name of a school-year plan names it
_SCHOOL_YEAR_PLAN = re.compile(r"\b(?:ke hoach|kh) (?:trien khai )?(?:nhiem vu )?nam hoc\b")


def title_share(question: str, title: str) -> float:
    """The share of a title's words (accent-folded) the question uses."""
    asked = set(fold(question).split())
    named = [w for w in fold(title).replace(",", " ").split() if len(w) > 1]
    return sum(1 for w in named if w in asked) / len(named) if named else 0.0


def unnumbered(question: str, number: str, title: str = "") -> bool:
    """Whether the question asks a plan's own number and the plan gives none: its header leaves the
    number blank ("Số: /SGD&ĐT-VP") or it has no header."""
    return own_number_asked(question, title) and not number


_BLANK_NUMBER = re.compile(r"Số:\s*/\S+")


def blank_reason(title: str, date: str | None, header: str | None, signer: bool = False) -> str:
    """What the plan says instead of the day it was signed (date: its header's date, when the day is
    asked), of its number (header: the header's text, when the number is asked) and of who signed it
    (signer, when that is asked), in the words a user reads."""
    said = ["không ghi tên người ký"] if signer else []
    if date is not None:
        month = re.fullmatch(r"(\d{1,2})/(\d{4})", date)
        said.append("không ghi ngày ký cụ thể" + (f": phần đầu văn bản chỉ ghi tháng {month.group(1)} năm {month.group(2)}" if month else ""))
    if header is not None:
        blank = _BLANK_NUMBER.search(header)
        said.append("không ghi số hiệu" + (f": phần đầu văn bản để trống số (“{blank.group()}”)" if blank else ""))
    return f"Văn bản “{title}” {'; '.join(said)}."


def first_per(hits: list[Hit], key: Callable[[Hit], str]) -> list[Hit]:
    """The best-ranked hit of each key (each plan, each province), in rank order."""
    firsts: dict[str, Hit] = {}
    for hit in hits:
        firsts.setdefault(key(hit), hit)
    return list(firsts.values())


def metadata_claims(fields: list[str], hits: list[Hit], store: ParagraphLookup, per_plan: bool, day: bool = False) -> list[Claim]:
    """For the best-matching document (each plan among the passages when plans are compared:
    "hai kế hoạch … do ai ký", "bên nào ký trước"), the paragraphs each asked-for field was read from;
    with day (a day is asked), not the date of a plan whose header gives none."""
    claims: list[Claim] = []
    for hit in first_per(hits, lambda h: h.chunk.source if per_plan else "_"):
        for name in fields:
            if name == "date" and day and not _DAY_MONTH_YEAR.fullmatch(hit.chunk.metadata.date):
                continue
            at = hit.chunk.metadata.evidence.get(name)
            chunk = store.chunk_with_paragraph(hit.chunk.source, at) if at is not None else None
            if chunk is not None and all(c.hit.chunk.id != chunk.id for c in claims):
                claims.append(Claim(Hit(chunk, hit.score), chunk.text, 1.0))
    return claims


# "ký" (signed), but not "kỳ thi", "học kỳ", "kỳ họp", "kỷ niệm" — the same letters once accents are gone.
_DOCUMENT = re.compile(r"\b(ke hoach|quyet dinh|van ban|nghi quyet|cong van|kh|qd)\b|ban hanh|"
                       r"(?<!hoc )\bky\b(?! (thi|hop|niem|nang|luat|cuong|thuat|nghi|i|ii)\b)")


_COMPARES_PLANS = re.compile(r"(?<!chu )(?<!hoc )\b(ky|ban hanh|ra) (truoc|sau)\b|\b(hai|cac|ca hai) (ke hoach|van ban)\b")


# Texts other than the plans themselves: "… của Bộ ban hành ngày nào", "căn cứ quyết định nào" ask about the text, not the plans.
_OTHER_TEXT = re.compile(r"\b(can cu|thong tu|chi thi|nghi quyet|nghi dinh|cong van|ket luan|de an|cua bo|bgddt|chinh phu|thu tuong)\b")


def about_the_plans(question: str) -> bool:
    """Whether a question naming several provinces asks about their plans themselves ("kế hoạch năm
    học của Sơn La, Lai Châu, Bắc Ninh ban hành ngày nào"), not about a text they cite."""
    folded = " ".join(fold(question).split())
    return bool(re.search(r"\b(ke hoach|kh)\b", folded)) and not _OTHER_TEXT.search(folded)


def compares_plans(question: str) -> bool:
    """Whether the question sets the plans themselves side by side ("bên nào ký trước", "hai kế
    hoạch … do ai ký"), so each plan's own fields answer, not a text they all quote."""
    return bool(_COMPARES_PLANS.search(" ".join(fold(question).split())))


def names_a_document(question: str) -> bool:
    """Whether the question is about a text ("kế hoạch ... ký ngày nào"), not an event
    ("thi tuyển sinh vào ngày nào"): only then may a plan's own date or number answer it
    when no sentence does."""
    return bool(_DOCUMENT.search(" ".join(fold(question).split())))


def plan_numbers(documents: list[dict]) -> dict[str, str]:
    """Numbers that name an indexed plan ("3707" of 3707/KH-UBND, "285" of its title "… Kế hoạch số
    285-KH/TU …"), each with the province of that plan; a number two provinces share names neither."""
    seen: dict[str, set[str]] = {}
    for doc in documents:
        for n in numbers_naming(doc.get("number", ""), doc.get("title", "")):
            if not YEAR.fullmatch(n):
                seen.setdefault(n, set()).add(doc.get("province", ""))
    return {n: next(iter(p)) for n, p in seen.items() if len(p) == 1 and "" not in p}


def named_plan_only(question: str, hits: list[Hit], indexed: Collection[str], both: bool) -> list[Hit]:
    """A question naming one plan by its number ("theo kế hoạch 285 …") is answered from that plan, not
    from another plan of its province, unless it names that one too: side by side (`both`: "kh 2024 và kh
    285", "2 kế hoạch") or by the year that plan is for ("năm 2024")."""
    refs = plan_references(question) & set(indexed)
    if not refs or both:
        return hits
    years, school_years = named_years(question)

    def named(meta: DocumentMetadata) -> bool:
        return bool(refs & numbers_naming(meta.number, meta.title))

    def by_year(meta: DocumentMetadata) -> bool:
        own_years, own_school_years = named_years(f"{meta.school_year} {meta.date} {_DAY_MONTH_YEAR.sub(' ', meta.title)}")
        return bool(years & own_years or school_years & own_school_years)

    scoped = {h.chunk.metadata.province for h in hits if named(h.chunk.metadata)}
    return [h for h in hits if h.chunk.metadata.province not in scoped or named(h.chunk.metadata) or by_year(h.chunk.metadata)]


# A text referred to by its number in a plan's opening paragraph ("Kết luận số 91-KL/TW", "Chỉ thị số 31/CT-TTg")
_REFERENCED = re.compile(r"\b(\d+)[-/][a-z]")
# The paragraph saying what a plan implements, and a question naming a plan by it
_PREAMBLE = re.compile(r"^\s*thuc hien\b")
_IMPLEMENTING = re.compile(r"\b(?:trien khai|thuc hien)\b(?: \w+){0,4} \d")
# how far into a plan its opening paragraph may sit (after the header, "KẾ HOẠCH" and the title)
PREAMBLE_PARAGRAPHS = 6


def implemented_numbers(question: str, title: str, preamble: str = "") -> set[str]:
    """Numbers by which the question names a plan through the text it implements: "kế hoạch của sở triển
    khai KH 285 ban hành tháng mấy" (or "kh 285 của sở") asks the date of the plan titled "Triển khai thực
    hiện Kế hoạch số 285-KH/TU …", not that of KH 285; "kh thực hiện kết luận 91 của sở … ra tháng mấy"
    names it by a text its opening "Thực hiện …" paragraph (preamble) implements (91-KL/TW)."""
    folded = " ".join(fold(question).split())
    by_title = {n for n in PLAN_NUMBER.findall(fold(title)) if not YEAR.fullmatch(n)
                and re.search(rf"\b(trien khai|thuc hien)\b(?: \w+){{0,4}} {n}\b|\b{n}(?: \w+){{0,2}} (?:cua|do) (?:so|sgd)\b", folded)}
    by_preamble = {n for n in _REFERENCED.findall(fold(preamble))
                   if re.search(rf"\b(trien khai|thuc hien)\b(?: \w+){{0,4}} {n}\b", folded)}
    return by_title | by_preamble


def names_by_implemented(question: str) -> bool:
    """Whether the question names a plan by a numbered text it implements ("kh thực hiện kết luận 91")."""
    return bool(_IMPLEMENTING.search(" ".join(fold(question).split())))


def preamble(texts: list[str]) -> str:
    """The plan's opening "Thực hiện …" paragraph among its first paragraphs, if it has one."""
    return next((t for t in texts if _PREAMBLE.match(fold(t))), "")


def question_numbers(question: str) -> set[str]:
    """The numbers a question names, years and months ("ngày mấy tháng 2") left out."""
    return {n for n in re.findall(r"(?<!thang )(?<!\d)\d+", fold(question)) if not YEAR.fullmatch(n)}

