"""The kind of answer a question expects, read from its wording (with or without diacritics).

"bao nhiêu %" wants a percentage, "mấy huyện" a count of districts, "ngày nào" a date,
"quyết định nào" a document number, "cơ quan nào" an agency. A sentence that holds no
span of that kind does not answer, however many of the question's words it shares.
"""

from __future__ import annotations

import re

from hoidap.answer.spans import COUNT_UNITS
from hoidap.vietnamese import expand_shorthand, fold, fold_asking

# The offices a person question names ("giám đốc sở … là ai"), read by the person rule and by _TITLE
_OFFICES = "giam doc|chu tich|hieu truong|truong phong|bi thu"
# What a label numbers ("lớp 1", "tiêu chí 14"): asked by "lớp mấy", "tiêu chí số mấy"
_LABEL_WORDS = "lop|khoi|tieu chi|dieu|khoan|chuong"
# Checked in order; the first that matches decides.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "có hiệu lực từ khi nào": a text's own "có hiệu lực thi hành kể từ ngày ký" answers, with no date in it;
    # a plan without such a sentence does not say (its other dates are not when it takes effect)
    ("effective", re.compile(r"\bhieu luc (?:tu |ke tu )?(?:khi nao|ngay nao|luc nao|bao gio|tu)")),
    # "Hòa Bình có cam kết tối thiểu 20% không": a yes/no check of a figure the question states;
    # the passage that states that same figure answers it
    # ("… phải đủ 100% à", "… 90% hả": a check by its closing particle alone)
    ("confirm", re.compile(r"^(?!.*\b(?:bao nhieu|may|nao|gi|ai|(?<!phan )dau|sao)\b)(?=.*\d ?(?:%|phan tram))"
                           r"(?:.*\b(?:co|da|phai|dung)\b.*\b(?:khong|ko|chua)(?:\s+(?:a|vay|the|nhi|nhe|ha))*|.*\b(?:a|ha|ho|chu))\W*$|"
                           # "tỉnh nào đặt tối thiểu 20%": the plans that state that same figure answer, one line each
                           # ("trong mấy kế hoạch" is "among the plans", not "how many")
                           r"^(?!.*\b(?:bao nhieu|may)\b(?! (?:ke hoach|kh|van ban)\b))(?=.*\d ?(?:%|phan tram)).*"
                           r"\b(?:tinh nao|ke hoach nao|kh nao|plan nao|van ban nao|vb nao|dia phuong nao|noi nao|ben nao)\b")),
    # "2 buổi/ngày bao nhiêu %" asks a percentage, not a date; pay and fees stay money questions
    ("percent", re.compile(r"^(?!.*\b(?:phu cap|luong|hoc phi)\b).*\b(?:bao nhieu|may)\s*(?:%|phan tram)")),
    # "63% trường đạt chuẩn tương ứng bao nhiêu trường": the percentage is given, a count of schools asked
    ("count", re.compile(rf"\d ?% .*\b(?:bao nhieu|may) (?:{'|'.join(sorted(COUNT_UNITS, key=len, reverse=True))})\b")),
    # "học phí", "lương" alone do not ask for an amount ("miễn học phí cho ai", "phân luồng", "chất lượng")
    ("money", re.compile(r"bao nhieu tien|may tien|ty dong|trieu dong|nghin dong|\b(?:muc|tien|bang) luong\b|"
                         r"\b(?:hoc phi|tien an|phu cap|kinh phi|muc thu|muc ho tro|(?<!so )(?<!chat )(?<!phan )luong)\b.*\b(?:bao nhieu(?! (?:tuoi|lop|nam)\b)|may (?:tien|trieu|nghin|ngan))\b|"
                         r"bao nhieu ty|bao nhieu trieu")),
    # a deadline ("hạn chót", "nộp/báo cáo … trước ngày nào"): the plans' "trước ngày 15/9" answers it,
    # while it does not date an event ("ngày khai giảng là ngày nào")
    ("deadline", re.compile(r"\bhan (?:chot|cuoi|nop|bao cao|gui)\b|truoc (?:nhung )?ngay|cham nhat|"
                            r"\b(?:han(?! che)|bao cao|nop|gui)\b.*\b(?:ngay nao|ngay may|thang nao|thang may)\b")),
    # the date a document was signed or issued, as against the date of an exam, a report, a holiday ("ký", not "kỳ thi")
    ("docdate", re.compile(r"^(?=.*\b(?:quyet dinh|nghi quyet|nghi dinh|ke hoach|cong van|thong bao|thong tu|chi thi|"
                           r"ket luan|van ban|chuong trinh|de an|to trinh|ky(?! (?:thi|hop|hoc|nghi|niem))|ban hanh|thong qua|duyet|qd|kh|nq|ct)\b)"
                           r".*(?:ngay nao|ngay may|ngay bao nhieu|thang nao|thang may|hom nao)")),
    ("date", re.compile(r"ngay nao|ngay may|ngay bao nhieu|thang nao|thang may|han chot|han nop|han bao cao|truoc ngay|hom nao|"
                        r"\b(?:lich|ngay|thoi gian) (?:thi|nghi|khai giang|tuu truong|be giang)\b(?! dua)")),
    ("when", re.compile(r"khi nao|luc nao|bao gio|thoi han|thoi diem nao|thoi gian nao")),
    ("year", re.compile(r"nam nao|nam bao nhieu|den nam nao|giai doan nao|nam may")),
    # "nâng tỷ lệ xã đạt tiêu chí số mấy": the ask is the criterion's number, whatever rate frames it
    ("label", re.compile(r"\b(?:tieu chi|dieu|khoan|chuong) (?:so may|so nao|so bao nhieu)\b")),
    ("percent", re.compile(r"bao nhieu ?%|%|phan tram|ty le|ti le|ty trong")),
    ("ordinal", re.compile(r"\blan (?:thu )?(may|bao nhieu)\b|muc do (may|nao|bao nhieu)|thu (may|bao nhieu)\b")),
    # "lớp mấy", "tiêu chí nào", "tiêu chí số mấy": the answer is a number that names ("lớp 1, tiêu chí 5"), not a
    # quantity nor a document number
    # ("trẻ nhà trẻ ra lớp bao nhiêu" asks the enrolment rate: "ra lớp" is going to school, not a grade)
    ("label", re.compile(rf"(?<!nhung )(?<!cac )(?<!\bra )\b(?:{_LABEL_WORDS}) (?:may|nao|bao nhieu|so may)\b")),
    # ("những kế hoạch nào nhắc tới PISA" asks which plans, as "những kh nào" does, not a document number)
    ("docref", re.compile(r"(quyet dinh|nghi quyet|nghi dinh|(?<!nhung )(?<!cac )ke hoach|cong van|thong bao|thong tu|chi thi|ket luan|"
                          # ("kế hoạch 285 do cơ quan nào ban hành", "… thì bộ phận nào theo dõi" ask for a body)
                          # ("KH Sơn La nhấn mạnh những lĩnh vực nào": a list asked inside the span wins)
                          r"(?<!nhung )(?<!cac )van ban|chuong trinh hanh dong|(?<!chuyen )de an|to trinh)( (?!nhung\b|cac\b)\w+){0,8} (?<!\bthe )"
                          r"(?<!\bco quan )(?<!\bdon vi )(?<!\bbo phan )(?<!\bphong )(?<!\bto chuc )"
                          # ("… có trong kế hoạch của tỉnh nào" asks for the provinces)
                          r"(?<!\btinh )(?<!\bdia phuong )(?<!\bhuyen )(nao|so may|so bao nhieu|so gi)\b|"
                          r"\bso (may|bao nhieu|hieu)\b|so hieu|"
                          # "theo qđ nào", "là nq nào", "kh số mấy": a text named by its abbreviation
                          r"(?<!nhung )(?<!cac )\b(?:qd|nq|cv|kh|kl|ct|tt)(?: so)? (?:nao|may)\b")),
    # "tham gia mấy chương trình, là những cái nào": the list answers both asks (its items can be counted)
    ("list", re.compile(r"\b(?:bao nhieu|may) \w+.*\b(?:la nhung|gom nhung|nhung cai nao|ke ten)\b")),
    ("count", re.compile(r"bao nhieu|\bmay\b(?! tinh)|so luong")),
    ("person", re.compile(rf"\b({_OFFICES}|nguoi ky|ai ky|ky boi)\b.*\b(la ai|ten (la )?gi|ten)\b|"
                          r"\b(ai|nguoi nao) (ky|da ky)\b|\bky boi ai\b|\bho ten\b|\bten (cua )?nguoi (da )?ky\b")),
    ("place", re.compile(r"\b(o dau|tai dau|noi nao|dia diem nao|dia diem)\b")),
    # ("những loại trường nào được ưu tiên" asks for kinds of school, a list)
    ("agency", re.compile(r"\b(ai|(?<!loai )(?:co quan|don vi|bo phan|to chuc|(?<!chi )(?<!con )(?<!he )so|phong) nao|(?<!nhung )(?<!cac )(?<!loai )truong nao|nguoi nao)\b")),
    ("list", re.compile(r"nhung \w+( \w+){0,7} (?:nao|gi)\b|gom nhung|cac \w+( \w+){0,4} nao|nhung gi|gom gi|la nhung|"
                        r"\bmon (?:nao|gi)\b")),
    # "nhà trẻ ra lớp: Hòa Bình với Lai Châu bên nào cao hơn": figures weighed against each other
    ("figure", re.compile(r"\bnao\b.*\b(?:cao|thap|nhie_|it|lon|nho)(?: \w+){0,3} (?:hon|nhat)\b")),
    # ("đặt chỉ tiêu thế nào" asks how: "giảm so với cùng kỳ năm học trước" answers it; targets that "khác nhau
    # thế nào" are compared by their figures)
    ("figure", re.compile(r"^(?!.*(\bgi\b|(?<!khac nhau )the nao|ra sao|nhung)).*(muc tieu|chi tieu|phan dau|dat duoc)")),
)
TYPES = ("effective", "confirm", "money", "percent", "ordinal", "deadline", "docdate", "date", "when", "year", "docref", "label", "count", "person", "place", "agency", "list", "figure",
         "description")

# Span kinds (answer.spans) that can carry each expected type; bare numbers serve the figure types
# because tables write "32,8" without the % sign.
ACCEPTS: dict[str, frozenset[str]] = {
    "money": frozenset({"money"}),
    "percent": frozenset({"percent", "number"}),
    "ordinal": frozenset({"ordinal", "number"}),
    # a school year ("2024 - 2025") or the year of an event ("Kỳ thi … năm 2025") is no deadline
    "deadline": frozenset({"deadline", "date"}),
    "docdate": frozenset({"docdate", "date"}),
    "date": frozenset({"date"}),
    "when": frozenset({"date", "deadline", "docdate", "year", "condition"}),
    "effective": frozenset({"effective"}),
    "year": frozenset({"year", "date", "deadline", "docdate"}),
    "docref": frozenset({"docref"}),
    "confirm": frozenset({"percent", "number"}),
    "label": frozenset({"label"}),
    "count": frozenset({"count", "number", "percent", "age"}),
    "person": frozenset({"person"}),
    "place": frozenset({"place"}),
    "agency": frozenset({"agency", "person"}),
    "figure": frozenset({"percent", "number", "count", "money"}),
}
# Types whose answer is a figure or reference: without a new span of that kind a sentence cannot answer.
# "ở đâu" is often answered by a description ("trong trường học"), so place only scores, it does not filter.
STRICT = frozenset({"effective", "confirm", "money", "percent", "ordinal", "deadline", "docdate", "date", "when", "year", "docref", "label", "count", "figure", "person"})


# "cấp nào đạt chuẩn thấp nhất", "huyện nào nhiều trường nhất": the answer weighs several rows against each other
_RANKS = re.compile(r"^(?=.*\bnao\b).*\b(?:cao|thap|nhieu|it|lon|nho|nhanh|cham|som|muon)(?: \w+){0,3} nhat\b")


def ranks_rows(question: str) -> bool:
    """Whether the question asks which of several is highest or lowest (every row is part of the answer)."""
    return bool(_RANKS.search(" ".join(fold(question).split())))


# "2 kế hoạch của sở GD Hòa Bình giao đơn vị nào theo dõi", "cả hai kế hoạch": each plan is part of the answer
_EACH_PLAN = re.compile(r"\b(?:hai|2|ca hai|ca 2) (?:ke hoach|kh|van ban)\b")


def names_each_plan(question: str) -> bool:
    """Whether the question asks of two plans at once (a province's two plans side by side)."""
    return bool(_EACH_PLAN.search(" ".join(fold(question).split())))


_ASKED_UNIT = re.compile(r"\b(?:bao nhieu|may)\s+(\w+(?:\s\w+)?)")
# "số trường (con số tuyệt đối) đạt chuẩn … là bao nhiêu": the count a question names before its "bao nhiêu";
# people and children are counted in rates too ("con số người biết chữ" is answered by 81 %)
_COUNTED = re.compile(r"\bso (?:luong )?(\w+(?:\s\w+)?)")
_RATE_UNITS = frozenset({"nguoi", "tre", "em"})
# "bao nhiêu sinh viên trên vạn dân": a rate per head of population, not a head count
_PER_CAPITA = re.compile(r"(?:/ ?|\btren |\bmoi |\bcho moi )(?:1 |mot )?(?:van|nghin|ngan|tram) (?:dan|nguoi)\b")


# "lớp mấy", "tiêu chí số mấy": the label asked for names what it numbers ("Đề án 06" is no grade)
_ASKED_LABEL = re.compile(rf"(?<!nhung )(?<!cac )(?<!\bra )\b({_LABEL_WORDS}) (?:so )?(?:may|nao|bao nhieu)\b")


# "nộp báo cáo trước ngày nào": a day is asked, which "đến năm 2025" does not give
_ASKS_DAY = re.compile(r"\bngay (?:nao|may|bao nhieu)\b|\btruoc (?:nhung )?ngay\b")
DAY = "ngay nao"  # the unit of a deadline asked to the day (no count unit reads so)
_YEAR_ONLY = re.compile(r"(?:(?:năm|nam)\s+)?\d{4}")  # "đến năm 2025": a deadline that names no day


# "giám đốc sở … là ai": the office a person question asks about, deputy or not
_TITLE = re.compile(rf"\b(?:pho )?(?:{_OFFICES})\b")


def asked_unit(question: str, kind: str) -> str:
    """The unit a count question names ("bao nhiêu trường" -> "truong", "mấy huyện" -> "huyen"), ending
    in "/" when asked per head ("sinh viên/vạn dân" -> "sinh vien/"), "tuoi" when it asks an age, what
    a label question numbers ("lớp mấy" -> "lop"), DAY for a deadline asked to the day, or the office a
    person question names ("giam doc"); "" when it names none. A count of another unit ("2 buổi" for
    "bao nhiêu điểm trường") does not answer, nor does a name signed under another office."""
    q = " ".join(fold(question).split())
    if kind == "deadline":
        return DAY if _ASKS_DAY.search(q) else ""
    if kind == "person":
        return m.group(0) if (m := _TITLE.search(q)) else ""
    if kind not in ("count", "label"):
        return ""
    label = _ASKED_LABEL.search(q)
    if label:
        return label.group(1)
    m = _ASKED_UNIT.search(q)
    if m and m.group(1).split()[0] == "tuoi":
        return "tuoi"
    asked = _count_unit(m.group(1), q) if m else ""
    return asked or next((u for c in _COUNTED.finditer(q) if (u := _count_unit(c.group(1), q, _RATE_UNITS))), "")


def _count_unit(phrase: str, question: str, excluded: frozenset[str] = frozenset()) -> str:
    """The count unit a phrase opens with ("truong hoc dat" -> "truong hoc"), ending in "/" when the
    question counts per head; "" when it opens with none."""
    words = phrase.split()
    for unit in (" ".join(words[:2]), words[0]):
        if unit in COUNT_UNITS and unit not in excluded:
            return unit + "/" if _PER_CAPITA.search(question) else unit
    return ""


def unit_fits(span_kind: str, span_text: str, unit: str, window: str, rate: bool = False) -> bool:
    """Whether a span can be the count of `unit`: a count in that unit (per head when asked per head:
    "89 sinh viên/vạn dân" is no number of students), or a bare number (tables write "45") in a window
    that names the unit; never a percentage. An age ("3 đến 5 tuổi") answers only a question of age;
    a bare year ("đến năm 2025") no deadline asked to the day."""
    if unit == DAY:
        return not _YEAR_ONLY.fullmatch(span_text.strip())
    if unit == "tuoi":
        return span_kind == "age" or (span_kind == "number" and re.search(r"\btuoi\b", fold(window)) is not None)
    if span_kind == "age":
        return False
    if not unit:
        return True
    if span_kind == "label":
        return fold(span_text).lower().startswith(unit)
    base, per = unit.rstrip("/"), unit.endswith("/")
    units = (base,) + _UNIT_ALSO.get(base, ())
    if span_kind == "count":
        return rate == per and fold(span_text).split(" ", 1)[-1].startswith(units)
    return span_kind == "number" and _names_unit(fold(window), units, per)


def _names_unit(window: str, units: tuple[str, ...], per: bool) -> bool:
    """Whether a (folded) window names the unit, per head when asked per head: a table row
    "Sinh viên/vạn dân … 89" counts no students."""
    patterns = [re.escape(units[0])] + [rf"\b{re.escape(u)}\b" for u in units[1:]]
    return any(_per_head(window, m.end()) == per for p in patterns for m in re.finditer(p, window))


def _per_head(text: str, end: int) -> bool:
    """Whether the unit or count ending at `end` is followed by "/" ("89 sinh viên/vạn dân")."""
    return text[end:end + 2].lstrip().startswith("/")


# Units the plans count the asked one in: schools are "cơ sở giáo dục" ("35 cơ sở giáo dục mầm non và phổ
# thông" for "bao nhiêu trường").
_UNIT_ALSO = {"truong": ("co so",), "truong hoc": ("co so",)}


# "… 20% tổng chi, có phải không, hay bao nhiêu": a check that also asks for the figure if it is wrong; the
# check is what is read (the plan's figure answers it either way)
_OR_ASKED = re.compile(r"[,\s]*(?:hay|hoặc|hoac|nếu không thì|neu khong thi|còn không thì|con khong thi)\s+(?:là\s+|la\s+)?"
                       r"(?:bao nhiêu|bao nhieu|mấy|may)(?:\s*(?:%|phần trăm|phan tram))?(?:\s+(?:ạ|a|vậy|vay))*\W*$", re.IGNORECASE)


_STATES_PERCENT = re.compile(r"\d\s*(?:%|phần trăm|phan tram)", re.IGNORECASE)


def without_counter_ask(question: str) -> str:
    """The message without an "or how much" that follows a check of a figure ("…, đúng không, hay bao nhiêu")."""
    return _OR_ASKED.sub("", question) if _STATES_PERCENT.search(question) else question


# "số xã đạt chuẩn … ở Lai Châu", "lai chau: so huyen dat pcgd …": a message that is only the count it wants
# ("sổ điểm" typed without marks is no count of "điểm")
_COUNT_SUBJECT = re.compile(rf"(?:^|[:;] |\btong )(so) (?:luong )?(?:{'|'.join(sorted(COUNT_UNITS - {'diem'}, key=len, reverse=True))})\b")
_OTHER_ASK = re.compile(r"\b(?:nao|gi|ai|sao)\b")


def expected_type(question: str) -> str:
    """One of TYPES; "description" when the question asks for no particular kind of value."""
    q = " ".join(fold_asking(without_counter_ask(question)).split()) + " "  # "máy móc" asks no count
    q = q.replace("%", " % ")
    for name, pattern in _RULES:
        if pattern.search(q):
            return name
    return "count" if _names_count(question) else "description"


def _names_count(question: str) -> bool:
    """Whether the message opens a clause with "số <unit>" ("số" as typed: "sổ điểm" is a register)."""
    text = " ".join(expand_shorthand(question).split())
    folded = fold(text).lower()
    m = _COUNT_SUBJECT.search(folded)
    return bool(m) and text[m.start(1):m.end(1)].lower() in ("số", "so") and not _OTHER_ASK.search(folded)


def answering_spans(kind: str, spans: list, asked: set[str], unit: str, text: str) -> list:
    """The spans (answer.spans.Span) of `text` that can answer a question of `kind`: a value of an
    accepted kind the question did not state (in the asked unit), or, for a yes/no check, the
    figure the question states, stated again. The one type check of extracted and generated answers."""
    from hoidap.answer.spans import digits

    accepted = ACCEPTS.get(kind, frozenset())
    if kind == "confirm":
        return [s for s in spans if s.kind in accepted and digits(s.text) in asked]
    return [s for s in spans if s.kind in accepted and (not digits(s.text) or digits(s.text) not in asked)
            and ((not unit or signed_as(text, s.start) in ("", unit)) if s.kind == "person"
                 else unit_fits(s.kind, s.text, unit, text, rate=_per_head(text, s.end)))]


def signed_as(text: str, start: int) -> str:
    """The office a name at `start` is signed under ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / Lê Xuân Lợi" ->
    "pho chu tich"); "" when none stands right before it."""
    offices = _TITLE.findall(fold(text[max(0, start - 40):start]))
    return offices[-1] if offices else ""


def carries_expected(text: str, question: str) -> bool:
    """Whether a text holds a value of the kind the question asks for that the question did not
    already state (always true for questions that ask for no particular kind)."""
    from hoidap.answer.spans import digits, find_spans

    kind = expected_type(question)
    if kind not in STRICT:
        return True
    asked = {digits(s.text) for s in find_spans(question) if digits(s.text)}
    unit = asked_unit(expand_shorthand(question), kind)
    return bool(answering_spans(kind, find_spans(text), asked, unit, text))


# "gắn với những chỉ số nào", "các môn gì": the thing a list question lists; "những việc gì" names none
_LISTED = re.compile(r"\b(?:nhung|cac)\s+(\w+(?:\s\w+)?)\s+(?:nao|gi)\b")
_LISTED_GENERIC = frozenset({"viec", "cai", "noi dung", "van de", "thong tin", "dieu", "thu", "cach", "tinh"})


def listed_noun(question: str) -> str:
    """What a list question lists, accent-folded ("chi so"), or "" when it names nothing particular."""
    m = _LISTED.search(" ".join(fold(expand_shorthand(question)).split()))
    return m.group(1) if m and m.group(1) not in _LISTED_GENERIC else ""
