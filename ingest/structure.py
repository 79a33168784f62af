"""Document structure: every paragraph gets the path of headings above it.

Plans are organised as I. / 1. / a) / - (and Điều, PHỤ LỤC). The path
"II. Nhiệm vụ... > 5. Sử dụng hiệu quả ngân sách..." is shown in citations and
helps retrieval; the paragraph text itself is what gets quoted.
"""

from __future__ import annotations

import re

from hoidap.models import Paragraph, TableBlock, TextBlock
from hoidap.ingest.repair import HEADING_MARKER, Repaired, SIGNATURE, is_caps_line
from hoidap.ingest.tables import row_statements

_TITLE_MAX = 90
_HEADING_MAX = 170
_FOOTNOTE_MARK = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def marker_level(text: str) -> int | None:
    """Depth of a numbering marker: PHỤ LỤC 0, I. 1, Điều 1, 1. 2, 1.1. 3, a) 4, bullets 5."""
    m = HEADING_MARKER.match(text)
    if not m:
        return None
    if m.group("appendix"):
        return 0
    if m.group("roman") or m.group("dieu"):
        return 1
    if m.group("num"):
        return 2 + m.group("num").count(".")
    if m.group("letter"):
        return 4
    return 5


def is_heading(text: str, level: int | None) -> bool:
    """A numbered line that names a section rather than saying something."""
    if level is None:
        return is_caps_line(text) and not SIGNATURE.match(text) and len(text) <= 250
    if level == 0:
        return True
    if level == 5 and not text.startswith("*"):
        return False
    return len(text) <= _HEADING_MAX and not text.rstrip().endswith((".", ";", "./."))


def _short(title: str) -> str:
    return title if len(title) <= _TITLE_MAX else title[: _TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"


class _Path:
    """The stack of open headings, by level."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []

    def open(self, level: int, title: str) -> None:
        self.stack = [(lv, t) for lv, t in self.stack if lv < level] + [(level, _short(title))]

    def above(self, level: int) -> str:
        """The path a paragraph numbered at `level` sits in: its parent, not its previous sibling."""
        return " > ".join(t for lv, t in self.stack if lv < level)

    def reset(self, title: str | None) -> None:
        self.stack = [(0, _short(title))] if title else []

    def __str__(self) -> str:
        return " > ".join(t for _, t in self.stack)


def build_paragraphs(repaired: Repaired) -> list[Paragraph]:
    """Paragraphs with section paths; table rows become statements; footnotes follow their citer."""
    path = _Path()
    paragraphs: list[Paragraph] = []
    for block in repaired.blocks:
        if isinstance(block, TableBlock):
            statements = row_statements(block)
            rows = block.row_pages if len(block.row_pages) == len(statements) else [block.pages] * len(statements)
            for statement, pages in zip(statements, rows):
                paragraphs.append(Paragraph(len(paragraphs), statement, str(path), kind="table_row",
                                            pages=pages, ocr_confidence=block.ocr_confidence))
            continue
        _add_text(block, path, paragraphs, repaired.footnotes)
    paragraphs.extend(_footnote_paragraphs(paragraphs, repaired.footnotes))
    return paragraphs


def _add_text(block: TextBlock, path: _Path, out: list[Paragraph], notes: dict[str, str]) -> None:
    text = block.text
    if not text:
        return
    origin = {"pages": block.pages, "ocr_confidence": block.ocr_confidence}
    level = block.heading_level if block.heading_level is not None else marker_level(text)
    if block.heading_level is not None or is_heading(text, level):
        if level is None or level == 0:
            path.reset(text if level == 0 or text.upper().startswith("PHỤ LỤC") else None)
        else:
            path.open(level, text)
        kind = "title" if level is None and block.heading_level is None else "heading"
        out.append(Paragraph(len(out), text, str(path), kind=kind, **origin))
        return
    if SIGNATURE.match(text):
        out.append(Paragraph(len(out), text, str(path), kind="signature", **origin))
        return
    refs = {n: notes[n] for n in _footnote_refs(text) if n in notes}
    numbered = level is not None and level < 5
    section = path.above(level) if numbered else str(path)
    out.append(Paragraph(len(out), text, section, footnotes=refs, **origin))
    if numbered:
        path.open(level, text)


def _footnote_refs(text: str) -> list[str]:
    return [m.group(0).translate(_FROM_SUPERSCRIPT) for m in _FOOTNOTE_MARK.finditer(text)]


def _footnote_paragraphs(paragraphs: list[Paragraph], notes: dict[str, str]) -> list[Paragraph]:
    """Each footnote becomes a paragraph placed under the section of the paragraph citing it."""
    citer = {}
    for p in paragraphs:
        for n in p.footnotes:
            citer.setdefault(n, p)
    out = []
    for n, note in notes.items():
        owner = citer.get(n)
        base = owner.section if owner else ""
        section = f"{base} > Chú thích {n}" if base else f"Chú thích {n}"
        out.append(Paragraph(len(paragraphs) + len(out), note, section, kind="footnote"))
    return out


def assemble_text(paragraphs: list[Paragraph]) -> str:
    """The repaired document text; sets each paragraph's character offsets into it."""
    parts, pos = [], 0
    for p in paragraphs:
        p.start, p.end = pos, pos + len(p.text)
        parts.append(p.text)
        pos = p.end + 2
    return "\n\n".join(parts)
