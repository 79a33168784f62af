"""Repair text the way real plans arrive: hard-wrapped PDF lines, paragraphs broken
across pages, stray page furniture, tables flattened one cell per line, footnotes.

Input is the raw block list from a reader; output is a list of whole paragraphs
(TextBlock) and tables (TableBlock), plus the footnotes keyed by their number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hoidap.models import Block, TableBlock, TextBlock
from hoidap.ingest.tables import header_grid

HEADING_MARKER = re.compile(
    r"^(?:(?P<roman>[IVXLC]+)\.\s"
    r"|(?P<num>\d{1,2}(?:\.\d{1,2})*)[.)]\s"
    r"|(?P<letter>[a-zđ])\)\s"
    r"|(?P<dieu>Điều\s+\d+)[.:]?\s"
    r"|(?P<appendix>PHỤ LỤC|Phụ lục)\b"
    r"|(?P<bullet>[-–+•*])\s)"
)
_FURNITURE = re.compile(
    r"^(?:-?\s*\d{1,3}\s*-?|Trang\s+\d+(?:\s*/\s*\d+)?|\d+\s*/\s*\d+|Nguồn tra cứu:.*)$", re.I
)
_FOOTNOTE_DEF = re.compile(r"^\[(\d{1,3})\]\s*(.+)$")
_FOOTNOTE_REF = re.compile(r"\s*\[(\d{1,3})\]")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_BROKEN_YEAR = re.compile(r"\b(19|20) (\d{2})\b")
_TERMINAL = (".", "!", "?", ":", ";", ")", "”", '"')
# Paragraphs of legal bases open this way; a full line before them still ends a paragraph.
_PARAGRAPH_OPENERS = ("Căn cứ", "Nơi nhận")
SIGNATURE = re.compile(r"^(KT\.|TM\.|TL\.|Q\.)|^(PHÓ )?(CHỦ TỊCH|GIÁM ĐỐC|TRƯỞNG PHÒNG)\b")


@dataclass
class Repaired:
    blocks: list[Block]
    footnotes: dict[str, str] = field(default_factory=dict)


def clean_line(text: str) -> str:
    """Collapse runs of spaces, drop markdown bold left in plain text, fix "20 24"."""
    text = text.replace("**", "")
    text = re.sub(r"\s+", " ", text).strip()
    text = _BROKEN_YEAR.sub(r"\1\2", text)
    text = re.sub(r"\s+([,.;:!?)”])", r"\1", text)
    return re.sub(r"([(“])\s+", r"\1", text)


def is_marker_line(text: str) -> bool:
    return bool(HEADING_MARKER.match(text))


def is_caps_line(text: str) -> bool:
    """An all-capitals line such as a title ("KẾ HOẠCH") or a signature block."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def is_person_name(text: str) -> bool:
    """"Tống Thanh Hải": two to five capitalised syllables, nothing else."""
    parts = text.split()
    return 2 <= len(parts) <= 5 and all(p[:1].isupper() and p[1:].islower() and p.isalpha() for p in parts)


def _ends_with_name(text: str) -> bool:
    return is_person_name(" ".join(text.split()[-2:]))


def _starts_lower(text: str) -> bool:
    for c in text:
        if c.isalpha():
            return c.islower()
        if c.isdigit():
            return False
    return False


def wrap_width(lines: list[str]) -> int | None:
    """The hard-wrap width of PDF-extracted text, or None when lines are whole paragraphs."""
    lengths = sorted(len(t) for t in lines if t)
    if len(lengths) < 10:
        return None
    p90 = lengths[int(len(lengths) * 0.9)]
    near = sum(1 for n in lengths if n >= 0.6 * p90)
    return p90 if p90 <= 130 and near >= 0.5 * len(lengths) else None


def should_join(prev: str, nxt: str, width: int | None) -> bool:
    """Whether `nxt` continues the paragraph that `prev` ends."""
    if is_marker_line(nxt) or _FOOTNOTE_DEF.match(nxt):
        return False
    if SIGNATURE.match(prev):  # "KT. CHỦ TỊCH" + "PHÓ CHỦ TỊCH" + "Lê Xuân Lợi" is one block
        return bool(SIGNATURE.match(nxt)) or (is_person_name(nxt) and not _ends_with_name(prev))
    if is_caps_line(prev) and is_caps_line(nxt):
        return not (SIGNATURE.match(prev) or SIGNATURE.match(nxt))
    if is_caps_line(nxt):
        return False
    if _starts_lower(nxt):
        return True
    if prev.endswith("-") and not prev.endswith(" -"):
        return True
    if width is None or is_caps_line(prev):
        return False
    if len(prev) >= 0.85 * width:  # a full line: the paragraph goes on unless a new one opens
        return not nxt.startswith(_PARAGRAPH_OPENERS)
    return len(prev) >= 0.7 * width and not prev.endswith(_TERMINAL)


def _glue(prev: str, nxt: str) -> str:
    if prev.endswith("-") and not prev.endswith(" -") and nxt[:1].isalnum():
        return prev + nxt
    return f"{prev} {nxt}"


def find_flattened_table(lines: list[str], start: int) -> tuple[TableBlock, int] | None:
    """A table written one cell per line, starting at a "TT"/"STT" header cell."""
    if lines[start] not in ("TT", "STT"):
        return None
    try:
        first = lines.index("1", start + 1, start + 30)
    except ValueError:
        return None
    header = lines[start:first]
    for width in range(2, 15):
        rows = _rows_of_width(lines, first, width)
        if len(rows) >= 2:
            grid = header_grid(header, width)
            table = TableBlock(rows=grid + rows, header_rows=len(grid))
            return table, first + width * len(rows)
    return None


def _rows_of_width(lines: list[str], first: int, width: int) -> list[list[str]]:
    rows = []
    pos, expected = first, 1
    while pos + width <= len(lines) and lines[pos] == str(expected):
        rows.append(lines[pos : pos + width])
        pos, expected = pos + width, expected + 1
    return rows


def split_footnotes(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    """Footnote definitions ("[1] Kế hoạch 164-KH/TU ...") leave the body for a dict."""
    body, notes = [], {}
    for line in lines:
        m = _FOOTNOTE_DEF.match(line)
        if m and (m.group(1) in notes or int(m.group(1)) == len(notes) + 1):
            notes[m.group(1)] = m.group(2).strip()
        else:
            body.append(line)
    return body, notes


def mark_footnote_refs(text: str, notes: dict[str, str]) -> str:
    """"2025 [1];" -> "2025¹;" so footnote marks never look like answer citations [1]."""
    return _FOOTNOTE_REF.sub(
        lambda m: m.group(1).translate(_SUPERSCRIPT) if m.group(1) in notes else m.group(0), text
    )


def repair(raw: list[Block]) -> Repaired:
    """Turn raw reader blocks into whole paragraphs and tables (keeping their pages)."""
    items = [_clean_block(b) for b in raw]
    origins = [Origin(b.pages, b.ocr_confidence) for b in raw]
    notes: dict[str, str] = {}
    plain_lines = [x for x in items if isinstance(x, str)]
    _, notes = split_footnotes(plain_lines)
    keep = [not (isinstance(x, str) and _is_note(x, notes)) for x in items]
    items = [x for x, k in zip(items, keep) if k]
    origins = [o for o, k in zip(origins, keep) if k]
    width = wrap_width([x for x in items if isinstance(x, str) and not x.isdigit()])
    out: list[Block] = []
    i = 0
    while i < len(items):
        item = items[i]
        if not isinstance(item, str):
            out.append(item)
            i += 1
            continue
        found = _table_at(items, i) if item in ("TT", "STT") else None
        if found:
            table, consumed = found
            end = _advance(items, i, consumed)
            _place_table(table, [o for x, o in zip(items[i:end], origins[i:end]) if x])
            out.append(table)
            i = end
            continue
        if item and not _FURNITURE.match(item):
            _append_line(out, mark_footnote_refs(item, notes), width, origins[i])
        i += 1
    return Repaired(blocks=out, footnotes=notes)


@dataclass
class Origin:
    """Where text came from in a paged source: its pages and the lowest OCR confidence."""

    pages: list[int]
    confidence: float | None = None

    @staticmethod
    def merge(origins: list[Origin]) -> Origin:
        pages = sorted({p for o in origins for p in o.pages})
        confs = [o.confidence for o in origins if o.confidence is not None]
        return Origin(pages, min(confs) if confs else None)


def _place_table(table: TableBlock, line_origins: list[Origin]) -> None:
    """Pages of a table rebuilt from one-cell-per-line text, and of each of its data rows."""
    merged = Origin.merge(line_origins)
    table.pages, table.ocr_confidence = merged.pages, merged.confidence
    data = table.rows[table.header_rows:]
    width = len(data[0]) if data else 0
    first = len(line_origins) - width * len(data)
    table.row_pages = [
        Origin.merge(line_origins[first + r * width: first + (r + 1) * width]).pages for r in range(len(data))
    ]


def _clean_block(block: Block) -> str | Block:
    """Plain lines become strings (to be joined); headings and tables stay blocks."""
    if isinstance(block, TableBlock):
        return block
    if block.heading_level is not None:
        return TextBlock(clean_line(block.text), block.heading_level, list(block.pages), block.ocr_confidence)
    return clean_line(block.text)


def _is_note(line: str, notes: dict[str, str]) -> bool:
    m = _FOOTNOTE_DEF.match(line)
    return bool(m) and notes.get(m.group(1)) == m.group(2).strip()


def _table_at(items: list, i: int) -> tuple[TableBlock, int] | None:
    nonblank = []
    for x in items[i:]:
        if not isinstance(x, str):
            break
        if x:
            nonblank.append(x)
    return find_flattened_table(nonblank, 0)


def _advance(items: list, i: int, nonblank_count: int) -> int:
    """Index just past `nonblank_count` non-empty lines starting at i."""
    seen = 0
    while i < len(items) and seen < nonblank_count:
        if isinstance(items[i], str) and items[i]:
            seen += 1
        i += 1
    return i


def _append_line(out: list[Block], line: str, width: int | None, origin: Origin) -> None:
    last = out[-1] if out else None
    if isinstance(last, TextBlock) and last.heading_level is None and should_join(last.text, line, width):
        last.text = _glue(last.text, line)
        merged = Origin.merge([Origin(last.pages, last.ocr_confidence), origin])
        last.pages, last.ocr_confidence = merged.pages, merged.confidence
    else:
        out.append(TextBlock(line, pages=list(origin.pages), ocr_confidence=origin.confidence))
