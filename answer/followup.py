"""Follow-up questions understood in context: after "chi ngân sách cho giáo dục ở Sơn La?",
"còn Bắc Ninh thì sao?" means the same question for Bắc Ninh."""

from __future__ import annotations

import re

from hoidap.answer.memory import Turn
from hoidap.vietnamese import find_provinces, fold

_ELLIPTIC = re.compile(r"^(the |vay |con |va |the con |vay con |con o |con tinh )|(thi sao|the nao|ra sao|nhu the nao)\s*\??$")
_MAX_WORDS = 9


def is_followup(question: str, provinces: list[str]) -> bool:
    """A short question that names a province and otherwise only points back ("còn ... thì sao?")."""
    folded = " ".join(fold(question).replace("?", " ").split())
    return bool(provinces) and len(folded.split()) <= _MAX_WORDS and bool(_ELLIPTIC.search(folded + " "))


def resolve(question: str, history: list[Turn], known_provinces: set[str]) -> str:
    """The standalone question a follow-up stands for (the question itself when it is not one)."""
    provinces = find_provinces(question, known_provinces)
    if not history or not is_followup(question, provinces):
        return question
    previous = history[-1]
    base = previous.resolved
    for old in previous.provinces:
        base = _replace_name(base, old, " và ".join(provinces))
    if not previous.provinces:
        base = base.rstrip(" ?") + f" ở {' và '.join(provinces)}?"
    return base


def _replace_name(text: str, old: str, new: str) -> str:
    """Replace a province name however it was typed (accents or not)."""
    folded, key = fold(text), fold(old)
    pos = folded.find(key)
    while pos >= 0:
        text = text[:pos] + new + text[pos + len(key):]
        folded = fold(text)
        pos = folded.find(key, pos + len(new))
    return text
