"""A small table of the ways users say what the plans write ("ít nhất" for "tối thiểu").

Applied to accent-folded text, so it holds for questions typed without diacritics too.
Each entry maps what a user writes to the plans' wording; matching is by whole words.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hoidap.answer.evidence import fold_word
from hoidap.vietnamese import words

SYNONYMS: dict[str, str] = {
    "it nhat": "toi thieu",
    "toi da": "khong qua",
    "cam ket": "dam bao",
    "bao dam": "dam bao",
    "di nha tre": "huy dong tre nha tre ra lop",
    "di mau giao": "huy dong tre mau giao ra lop",
    "di hoc": "ra lop",
    "den truong": "ra lop",
    "thay co": "giao vien",
    "nha giao": "giao vien",
    "kinh phi": "ngan sach",
    "tre mam non": "tre",
    "xoa mu": "xoa mu chu",
    "gv": "giao vien",
    "hs": "hoc sinh",
}


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    keys = sorted(SYNONYMS, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(map(re.escape, keys)) + r")\b")


@lru_cache(maxsize=4096)
def rewrite(text: str) -> str:
    """The text's words folded, with users' phrasings replaced by the plans' wording."""
    return _pattern().sub(lambda m: SYNONYMS[m.group(1)], " ".join(fold_word(w) for w in words(text)))
