"""Which is higher: the verdict a "which one" comparison asks for, read off the figures its lines lead with.

"Tỉnh nào đặt chỉ tiêu trẻ nhà trẻ ra lớp cao hơn, Lai Châu hay Hòa Bình" is answered one line per
plan (46%, 32,8%), but the user asked which one: the answer opens with "Hòa Bình cao hơn: 46%, so với
32,8% (Lai Châu)". The verdict only orders figures the answer already quotes — one line per province the question
names, each leading with one figure, all of one unit — so it never states a number the plans do not;
with anything else (a province with two plans quoted, a province not named, two figures in a line, a
line without one, percentages beside counts) there is no verdict.
"""

from __future__ import annotations

import re

from hoidap.vietnamese import fold

# "cao hơn", "nhiều nhất", "thấp hơn cả"; "ít nhất 20%" is "at least", not a ranking
_DIRECTION = re.compile(r"\b(cao|nhieu|lon|thap|it|nho)( hon| nhat)\b(?! \d)")
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
