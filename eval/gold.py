"""The gold set: its format, loading, and validation against a corpus folder.

One JSON object per line::

    {"id": "sl-06", "question": "...", "answer": "...", "facts": ["20%"],
     "evidence": [{"doc": "000_e4df4c732943b229.txt", "quote": "verbatim span of the document"}],
     "province": "Sơn La", "type": "numeric"}

Text comparisons (quote in document, fact in answer) are whitespace-insensitive:
both sides are NFC-normalised and every whitespace character is removed first.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hoidap.vietnamese import has_diacritics, normalize_tone_placement

TYPES = ("numeric", "factoid", "list", "metadata", "comparison", "unanswerable")
FIELDS = ("id", "question", "answer", "facts", "evidence", "province", "type")
NO_PROVINCE = "(none)"
_SPACE = re.compile(r"\s+", re.UNICODE)


def squash(text: str) -> str:
    """NFC with modern tone placement ("Hoà" = "Hòa": plans use both), then every whitespace character
    removed: the form all text comparisons use."""
    return _SPACE.sub("", normalize_tone_placement(unicodedata.normalize("NFC", text)))


def contains(haystack: str, needle: str) -> bool:
    """Whitespace- and case-insensitive substring test (NFC on both sides): a fact written "ban hành
    văn bản chỉ đạo" is stated by an answer quoting the plan's "Ban hành văn bản chỉ đạo"."""
    small = squash(needle).lower()
    return bool(small) and small in squash(haystack).lower()


@dataclass
class Evidence:
    doc: str
    quote: str


@dataclass
class GoldItem:
    id: str
    question: str
    answer: str
    facts: list[str]
    evidence: list[Evidence]
    province: str
    type: str
    line: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @property
    def diacritics(self) -> bool:
        """Whether the question was typed with Vietnamese diacritics."""
        return has_diacritics(self.question)

    @property
    def province_key(self) -> str:
        return self.province or NO_PROVINCE

    def to_dict(self) -> dict:
        return {
            "id": self.id, "question": self.question, "answer": self.answer, "facts": list(self.facts),
            "evidence": [{"doc": e.doc, "quote": e.quote} for e in self.evidence],
            "province": self.province, "type": self.type,
        }


def _label(line: int, raw: dict | None) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"{ident} (line {line})" if isinstance(ident, str) and ident else f"line {line}"


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def parse_item(raw: object, line: int) -> tuple[GoldItem | None, list[str]]:
    """One decoded JSON line as a GoldItem, or the problems that prevent it."""
    if not isinstance(raw, dict):
        return None, [f"line {line}: not a JSON object"]
    where = _label(line, raw)
    problems = [f"{where}: missing field {name!r}" for name in FIELDS if name not in raw]
    if problems:
        return None, problems
    for name in ("id", "question", "answer", "province", "type"):
        if not isinstance(raw[name], str):
            problems.append(f"{where}: field {name!r} must be a string")
    if not _strings(raw["facts"]):
        problems.append(f"{where}: field 'facts' must be a list of strings")
    evidence: list[Evidence] = []
    if not isinstance(raw["evidence"], list):
        problems.append(f"{where}: field 'evidence' must be a list")
    else:
        for i, ev in enumerate(raw["evidence"]):
            if not (isinstance(ev, dict) and isinstance(ev.get("doc"), str) and isinstance(ev.get("quote"), str)):
                problems.append(f"{where}: evidence[{i}] must be {{\"doc\": str, \"quote\": str}}")
            else:
                evidence.append(Evidence(ev["doc"], ev["quote"]))
    if problems:
        return None, problems
    extra = {k: v for k, v in raw.items() if k not in FIELDS}
    item = GoldItem(
        id=raw["id"], question=raw["question"], answer=raw["answer"], facts=list(raw["facts"]),
        evidence=evidence, province=raw["province"], type=raw["type"], line=line, extra=extra,
    )
    return item, []


def load_gold(path: Path) -> tuple[list[GoldItem], list[str]]:
    """Items that parse, and one problem line per malformed line (blank lines are skipped)."""
    items: list[GoldItem] = []
    problems: list[str] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}: cannot read gold file ({exc})"]
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        item, found = parse_item(raw, n)
        problems += found
        if item is not None:
            items.append(item)
    return items, problems


class CorpusTexts:
    """The searchable texts of each corpus document, read on first use.

    A quote is accepted when it is in the file as stored (plain-text formats) or in
    the text hoidap's reader extracts (every format, after repair); `indexed` is the
    latter, which is all that retrieval can ever show.
    """

    def __init__(self, corpus: Path) -> None:
        self.corpus = Path(corpus)
        self.files: dict[str, Path] = {}
        if self.corpus.is_dir():
            for path in sorted(self.corpus.rglob("*")):
                if path.is_file():
                    self.files.setdefault(path.name, path)
        elif self.corpus.is_file():
            self.files[self.corpus.name] = self.corpus
        self._raw: dict[str, str] = {}
        self._indexed: dict[str, str] = {}
        self.errors: dict[str, str] = {}

    def __contains__(self, doc: str) -> bool:
        return doc in self.files

    def raw(self, doc: str) -> str:
        if doc not in self._raw:
            path = self.files[doc]
            text = ""
            if path.suffix.lower() in (".txt", ".md", ".html", ".htm"):
                text = squash(path.read_text(encoding="utf-8", errors="replace"))
            self._raw[doc] = text
        return self._raw[doc]

    def indexed(self, doc: str) -> str:
        if doc not in self._indexed:
            from hoidap.ingest.parse import parse_document
            from hoidap.ingest.readers import UnreadableDocument

            try:
                self._indexed[doc] = squash(parse_document(self.files[doc]).text)
            except UnreadableDocument as exc:
                self.errors[doc] = str(exc)
                self._indexed[doc] = ""
        return self._indexed[doc]

    def holds(self, doc: str, quote: str) -> bool:
        q = squash(quote)
        return bool(q) and (q in self.raw(doc) or q in self.indexed(doc))


def validate(items: list[GoldItem], corpus: Path) -> tuple[list[str], list[str]]:
    """(problems, warnings) of a loaded gold set against a corpus folder.

    Problems make a gold set unusable; warnings point at items retrieval can never
    credit (a quote present in the file but changed by text repair).
    """
    texts = CorpusTexts(corpus)
    problems: list[str] = []
    warnings: list[str] = []
    if not texts.files:
        problems.append(f"corpus {corpus}: no documents found")
    first_line: dict[str, int] = {}
    for item in items:
        where = item.id or f"line {item.line}"
        if not item.id.strip():
            problems.append(f"line {item.line}: empty id")
        elif item.id in first_line:
            problems.append(f"{item.id}: duplicate id (line {item.line}, first on line {first_line[item.id]})")
        else:
            first_line[item.id] = item.line
        if item.type not in TYPES:
            problems.append(f"{where}: unknown type {item.type!r} (valid: {', '.join(TYPES)})")
        if not item.question.strip():
            problems.append(f"{where}: empty question")
        if item.type == "unanswerable":
            if item.evidence:
                problems.append(f"{where}: unanswerable item must have empty evidence")
            if item.facts:
                problems.append(f"{where}: unanswerable item must have empty facts")
            continue
        if not item.evidence:
            problems.append(f"{where}: answerable item has no evidence")
        if not item.facts:
            problems.append(f"{where}: answerable item has no facts")
        for fact in item.facts:
            if not contains(item.answer, fact):
                problems.append(f"{where}: fact not in answer: {fact!r}")
        for ev in item.evidence:
            if ev.doc not in texts:
                problems.append(f"{where}: evidence document not in corpus: {ev.doc!r}")
            elif not squash(ev.quote):
                problems.append(f"{where}: empty quote for {ev.doc}")
            elif not texts.holds(ev.doc, ev.quote):
                problems.append(f"{where}: quote not found in {ev.doc}: {_short(ev.quote)!r}")
            elif squash(ev.quote) not in texts.indexed(ev.doc):
                warnings.append(
                    f"{where}: quote is in {ev.doc} but not in the text hoidap indexes "
                    f"(changed by repair), so retrieval can never count it: {_short(ev.quote)!r}"
                )
    for doc, reason in texts.errors.items():
        problems.append(f"{doc}: unreadable by hoidap's reader: {reason}")
    return problems, warnings


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary(items: list[GoldItem]) -> dict[str, dict[str, int]]:
    """Counts by type, by province and by whether the question has diacritics."""
    return {
        "type": dict(Counter(i.type for i in items).most_common()),
        "province": dict(Counter(i.province_key for i in items).most_common()),
        "diacritics": dict(Counter("with" if i.diacritics else "without" for i in items).most_common()),
    }


def cited_documents(items: list[GoldItem]) -> set[str]:
    return {e.doc for i in items for e in i.evidence}


def select(items: list[GoldItem], limit: int | None) -> list[GoldItem]:
    """The first `limit` items taken round-robin over types (in file order), so a small
    limit still covers every type, unanswerable questions included."""
    if not limit or limit >= len(items):
        return list(items)
    by_type: dict[str, list[GoldItem]] = {}
    for item in items:
        by_type.setdefault(item.type, []).append(item)
    chosen: list[GoldItem] = []
    queues = [list(q) for q in by_type.values()]
    while len(chosen) < limit:
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    order = {id(item): n for n, item in enumerate(items)}
    return sorted(chosen, key=lambda i: order[id(i)])
