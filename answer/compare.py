"""Which is higher: the verdict a "which one" question asks for, read off the figures its lines lead with.

"Tỉnh nào đặt chỉ tiêu trẻ nhà trẻ ra lớp cao hơn, Lai Châu hay Hòa Bình" is answered one line per plan
(46%, 32,8%), but the user asked which one: the answer opens "Hòa Bình cao hơn: 46%, so với 32,8% (Lai
Châu)." Within one plan, "cấp nào có tỷ lệ thiết bị dạy học tối thiểu thấp nhất" is answered with the
table's row for each level, and the answer opens "Trong các dòng dưới đây, thấp nhất: Tỷ lệ thiết bị dạy
học tối thiểu cấp THCS (60%)." (a level the search did not bring is not ranked, so it says what it ranked).

A verdict only orders figures the answer already quotes, so it never states a number the plans do not:
one line per province the question names, or table rows whose labels differ by their school level alone,
each leading with one figure, all of one unit. With anything else (a province with two plans quoted, a
province not named, two figures in a line, a line without one, percentages beside counts) there is none.
"""

from __future__ import annotations

import re

from hoidap.answer.answer_types import answering_spans, asked_unit, ranks_rows, signed_as
from hoidap.answer.features import LEVELS, row_label
from hoidap.answer.types import Answer
from hoidap.vietnamese import fold

# "cao hơn", "nhiều nhất", "thấp hơn cả"; "ít nhất 20%" is "at least", not a ranking
_RANKING = r"\b(cao|nhieu|lon|thap|it|nho)"
_DIRECTION = re.compile(_RANKING + r"( hon| nhat)\b(?! \d)")
_SUPERLATIVE = re.compile(_RANKING + r" nhat\b(?! \d)")
_WHICH = re.compile(r"\b(?:nao|ai|hay)\b")
_WORDS = {"cao": "cao", "nhieu": "nhiều", "lon": "lớn", "thap": "thấp", "it": "ít", "nho": "nhỏ"}
_HIGHER = frozenset({"cao", "nhieu", "lon"})
_FIGURE = re.compile(r"(\d+(?:[.,]\d+)*)\s*(%|[^\d,;]*)")


def asked_direction(question: str) -> tuple[str, str] | None:
    """The ranking word a question asks by ("cao", " hơn"), when it asks which plan or province."""
    folded = " ".join(fold(question).split())
    found = _DIRECTION.search(folded)
    if not found or not _WHICH.search(folded):
        return None
    return found.group(1), found.group(2)


def figure(lead: str) -> tuple[float, str] | None:
    """The one figure a line leads with and its unit ("32,8%" -> (32.8, "%")); None for none or several."""
    found = _FIGURE.findall(lead)
    if len(found) != 1:
        return None
    number, unit = found[0]
    unit = fold(unit).strip()
    if not unit:
        return None  # a bare number ("2030") is no measure to rank
    return float(number.replace(".", "").replace(",", ".")), unit


def verdict(question: str, named: list[str], leads: list[tuple[str, str]]) -> str | None:
    """The sentence saying which province's figure is higher or lower, given the provinces the question
    names and each quoted plan's (province, lead), or None."""
    asked = asked_direction(question)
    provinces = [province for province, _ in leads]
    if asked is None or len(named) < 2 or sorted(provinces) != sorted(set(named)):
        return None
    figures = [(label, lead, figure(lead)) for label, lead in leads]
    if any(f is None for _, _, f in figures) or len({f[1] for _, _, f in figures}) != 1:
        return None
    word, degree = asked
    ranked = sorted(figures, key=lambda t: t[2][0], reverse=word in _HIGHER)
    best, rest = ranked[0], ranked[1:]
    if rest[0][2][0] == best[2][0]:
        same = [label for label, _, f in ranked if f[0] == best[2][0]]
        return f"{' và '.join(same)} đặt mức bằng nhau: {best[1]}."
    others = ", ".join(f"{lead} ({label})" for label, lead, _ in rest)
    return f"{best[0]} {_WORDS[word]}{degree.replace('hon', 'hơn').replace('nhat', 'nhất')}: {best[1]}, so với {others}."


_LEVEL = re.compile(rf"\b(?:cap )?(?:{LEVELS})\b")


def row_verdict(question: str, rows: list[tuple[str, str]]) -> str | None:
    """"…, cao nhất: … (65%); thấp nhất: … (60%)." for a question ranking a table's levels, given each
    claim's (quote, lead); None unless every claim is a row of the same measure at another level."""
    words = list(dict.fromkeys(m.group(1) for m in _SUPERLATIVE.finditer(" ".join(fold(question).split()))))
    labels = [row_label(quote) for quote, _ in rows]
    if not words or not ranks_rows(question) or len(rows) < 2 or None in labels:
        return None
    labelled = [(label.strip(), lead, figure(lead)) for label, (_, lead) in zip(labels, rows)]
    measures = {" ".join(_LEVEL.sub(" ", fold(label)).split()) for label, _, _ in labelled}
    if any(f is None for _, _, f in labelled) or len({f[1] for _, _, f in labelled}) != 1 or len(measures) != 1:
        return None
    said = []
    for word in words:
        top = (max if word in _HIGHER else min)(f[0] for _, _, f in labelled)
        named = " và ".join(f"{label} ({lead})" for label, lead, f in labelled if f[0] == top)
        said.append(f"{_WORDS[word]} nhất: {named}")
    return "Trong các dòng dưới đây, " + "; ".join(said) + "."


def signer_verdict(question: str, answer: Answer) -> str:
    """The reply to a yes/no check of who signed ("có phải chủ tịch tỉnh trực tiếp ký … không"), read off the
    signature block quoted: "Có: …" when the name stands under the office the question names, otherwise who
    signed, under which office and on whose behalf ("KT."); "" when the question names no office or no quote
    holds a signed name."""
    from hoidap.answer.spans import find_spans

    asked = asked_unit(question, "person")
    if not asked:
        return ""
    for c in answer.citations:
        name = next((s for s in reversed(find_spans(c.quote)) if s.kind == "person"), None)
        office = signed_as(c.quote, name.start) if name else ""
        if not office:
            continue
        said = f"{office_as_written(c.quote, name.start, office)} {name.text}"
        if office == asked:
            return f"Có: {said} ký."
        return f"Không: người ký là {said}" + (" (ký thay)." if re.search(r"\bKT\.", c.quote) else ".")
    return ""


def office_as_written(quote: str, before: int, office: str) -> str:
    """The office a name is signed under, as the quote writes it, in sentence case ("PHÓ CHỦ TỊCH" -> "Phó chủ tịch")."""
    at = fold(quote[:before]).lower().rfind(office)
    return quote[at:at + len(office)].capitalize()


def check_verdict(stated: str, answer: Answer) -> str:
    """The reply to a yes/no check of a figure ("… 90%, có đúng không"), read off the passages the answer
    quotes: "Có: kế hoạch ghi 90%." when they state it, otherwise which plans do not; the answer itself goes
    on with the figure each plan does state. It says only whether the quotes hold the figure, never more."""
    from hoidap.answer.spans import digits, find_spans

    stated_digits = {digits(stated)}
    holds: dict[str, bool] = {}
    for c in answer.citations:
        here = bool(answering_spans("confirm", find_spans(c.quote), stated_digits, "", c.quote))
        holds[c.province or c.source] = holds.get(c.province or c.source, False) or here
    if len(holds) == 1:
        return f"Có: kế hoạch ghi {stated}." if all(holds.values()) else f"Kế hoạch không ghi {stated} cho nội dung này."
    yes = [p for p, h in holds.items() if h]
    no = [p for p, h in holds.items() if not h]
    return " ".join(s for s in (f"Có ghi {stated}: {', '.join(yes)}." if yes else "",
                                f"Không ghi {stated}: {', '.join(no)}." if no else "") if s)
