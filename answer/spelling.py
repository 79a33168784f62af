"""Misspelt question words, corrected to the plans' own words.

Users type fast on phones: "ngàày", "truờng", "lươg", "hcọ". A word the plans never use matches nothing,
so the question loses its topic (and a question that has lost its topic may match the wrong passage).
A word that cannot be a Vietnamese syllable, one edit away from a word the plans use (the one used next
to the question's neighbouring word, else the only or the most frequent one), is read as that word.
Words that are proper syllables are left as typed, even when the plans never use them ("gửi", "xuống").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from hoidap.answer.evidence import TermStats
from hoidap.vietnamese import LETTER_RUN, SHORTHAND, TEXTING, fold, has_diacritics, is_stopword, words

MIN_LENGTH = 3  # shorter words have too many neighbours to guess from ("hs", "gv", "ạ")
_KEEP = frozenset(SHORTHAND) | frozenset(TEXTING)


# A Vietnamese syllable: an onset, a vowel nucleus (with its glides) and a final, tones aside.
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
_NUCLEUS = r"(?:uyê|uya|uyu|oai|oay|oeo|uây|uôi|ươi|ươu|iêu|yêu|uy|oa|oă|oe|uâ|uê|iê|yê|uô|ươ|ưa|ua|ia|[aăâeêioôơuưy])"
_FINAL = r"(?:ch|ng|nh|[cmnpt]|[iyou])?"
_SYLLABLE = re.compile(rf"{_ONSET}(?:{_NUCLEUS}{_FINAL}|uơ)")  # "thuở", never "truờng"
_FOLDED_SYLLABLE = re.compile(fold(rf"{_ONSET}{_NUCLEUS}{_FINAL}"))  # typed without diacritics: "tieu", "truong"
_VOWEL = re.compile(r"[aăâeêioôơuưy]")
_TONES = dict.fromkeys(map(ord, "\u0300\u0301\u0303\u0309\u0323"))


def is_syllable(word: str) -> bool:
    """Whether a (lower-case) word can be a Vietnamese syllable, whatever its tone."""
    if not has_diacritics(word):
        return bool(_FOLDED_SYLLABLE.fullmatch(word))
    toneless = unicodedata.normalize("NFC", unicodedata.normalize("NFD", word).translate(_TONES))
    return bool(_SYLLABLE.fullmatch(toneless))


def correct_spelling(text: str, stats: TermStats) -> str:
    """The text with each misspelt word replaced by the plans' word it most likely stands for."""
    tokens = list(LETTER_RUN.finditer(text))
    if not tokens:
        return text
    vocab = stats.single_words()
    normal = [""] + [_normal(m.group()) for m in tokens] + [""]  # each word as the statistics spell it, once
    out, last = [], 0
    for i, m in enumerate(tokens):
        fixed = _correct(m.group(), normal[i + 1], normal[i], normal[i + 2], stats, vocab)
        out.append(text[last : m.start()] + fixed)
        last = m.end()
    return "".join(out) + text[last:]


def _normal(word: str) -> str:
    """The word as the plans' statistics spell it ("hoà" -> "hòa", "tỉ" -> "tỷ")."""
    found = words(word)
    return found[0] if len(found) == 1 else word.lower()


def _correct(word: str, low: str, before: str, after: str, stats: TermStats,
             vocab: tuple[frozenset[str], frozenset[str]]) -> str:
    """The plans' word a misspelt `word` (`low`: as the statistics spell it) stands for, or `word` itself."""
    if (len(fold(low)) < MIN_LENGTH or word.isupper() or low in _KEEP or is_stopword(low) or stats.df(low) > 0
            or is_syllable(low) or not _VOWEL.search(fold(low))):  # "cds", "ptdtnt": abbreviations
        return word
    accented = has_diacritics(low)
    known = vocab[0] if accented else vocab[1]
    options = [w for w in _edits(low, _letters(known)) if w in known]
    if not options:
        return word

    def support(w: str) -> tuple[int, int]:
        paired = int(bool(before and stats.df(f"{before} {w}")) or bool(after and stats.df(f"{w} {after}")))
        return paired, stats.df(w)

    ranked = sorted(options, key=support, reverse=True)
    if len(ranked) > 1 and support(ranked[0])[0] == support(ranked[1])[0] and not support(ranked[0])[0]:
        return word  # several words it may stand for, none of them used next to its neighbours: leave it
    return ranked[0]


@lru_cache(maxsize=8)
def _letters(words: frozenset[str]) -> str:
    """The letters a vocabulary is written with (the alphabet of the edits)."""
    return "".join(sorted({c for w in words for c in w if c.isalpha()}))


@lru_cache(maxsize=4096)
def _edits(word: str, alphabet: str) -> frozenset[str]:
    """Every word one deletion, transposition, replacement or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in alphabet]
    inserts = [a + c + b for a, b in splits for c in alphabet]
    return frozenset(deletes + transposes + replaces + inserts) - {word}
