"""Questions retyped the way people type on phones, to measure how answers hold up.

`hoidap eval --variant chat` asks every gold question again as a chat message: a clause saying who asks
and why ("xã em vùng 3, con em học lớp 5, …"), texting shorthand ("bn", "đc", "ko", "j", "tr") and polite
particles ("ạ", "với ạ"). `--variant typo` misspells one topic word of each question (a swapped, dropped
or doubled letter). The gold answers stay the same: a robust assistant answers both as it answers the
question typed plainly. Each rewrite is seeded by the item's id, so a run is reproducible.
"""

from __future__ import annotations

import dataclasses
import random
import re
from typing import Callable, Literal, get_args

from hoidap.eval.gold import GoldItem
from hoidap.vietnamese import fold, has_diacritics, is_stopword

Variant = Literal["plain", "chat", "typo"]
VARIANTS: tuple[str, ...] = get_args(Variant)

_PREAMBLES = (
    "xã em vùng 3, ", "con em học lớp 5, ", "mai họp dân, em cần nói, ", "sắp họp HĐND xã, cho em hỏi ",
    "ad ơi cho em hỏi, ", "em là cán bộ văn hóa xã, ", "nhà em có 2 đứa đi học, ", "tuần sau xã em họp phụ huynh, ",
    "em đang làm báo cáo cho xã, ", "con em năm nay vào lớp 1, ", "xã em toàn đồng bào dân tộc, ", "chiều nay họp thôn, ",
)
_TEXTING = (("không", ("ko", "k")), ("được", ("đc", "dc")), ("bao nhiêu", ("bn",)), ("gì", ("j",)),
            ("như thế nào", ("ntn",)), ("với", ("vs",)), ("trường", ("tr",)), ("cũng", ("cx",)), ("những", ("nhg",)))
_ENDINGS = ("", " ạ", " với ạ", " ạ?", "")


def chat_style(question: str, seed: str) -> str:
    """The question as a chat message: texting shorthand, often a preamble, often a particle."""
    rnd = random.Random(seed)
    accented = has_diacritics(question)
    for word, short in _TEXTING:
        typed = word if accented else fold(word)
        question = re.sub(rf"(?<!\w){typed}(?!\w)", lambda m: rnd.choice(short) if rnd.random() < 0.8 else m.group(),
                          question, flags=re.IGNORECASE)
    if rnd.random() < 0.7:
        preamble = rnd.choice(_PREAMBLES)
        lead = question if question[1:2].isupper() else question[:1].lower() + question[1:]
        question = (preamble if accented else fold(preamble)) + lead
    question = question.rstrip("?").rstrip() + rnd.choice(_ENDINGS)
    return question if accented else fold(question)


def one_typo(question: str, seed: str) -> str:
    """The question with one topic word of four letters or more misspelt."""
    rnd = random.Random(seed)
    ws = question.split()
    topical = [i for i, w in enumerate(ws) if len(w) >= 4 and w.isalpha() and not is_stopword(w.lower())]
    if not topical:
        return question
    i = rnd.choice(topical)
    w, j = ws[i], rnd.randrange(1, len(ws[i]) - 1)
    ws[i] = rnd.choice((w[:j] + w[j + 1] + w[j] + w[j + 2 :], w[:j] + w[j + 1 :], w[:j] + w[j] + w[j:]))
    return " ".join(ws)


_REWRITES: dict[str, Callable[[str, str], str]] = {"chat": chat_style, "typo": one_typo}


def retyped(items: list[GoldItem], variant: Variant) -> list[GoldItem]:
    """The gold items with their questions rewritten as `variant` (unchanged for "plain")."""
    rewrite = _REWRITES.get(variant)
    if rewrite is None:
        return items
    return [dataclasses.replace(item, question=rewrite(item.question, item.id)) for item in items]
