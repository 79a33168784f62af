"""Turn a .txt/.md/.docx/.pdf/.html file into a list of raw blocks.

The repair step (not here) turns blocks into paragraphs, so readers keep the
document's lines as they are: no joining, no numbering stripped, no short lines
dropped. The only changes made to text are the ones in `_clean`: Unicode NFC,
no carriage returns, odd Unicode spaces turned into ' ', invisible
zero-width/format characters removed.

Conventions every reader follows:
- A TextBlock holds one line and never contains "\\n"; a line break inside a
  paragraph (docx soft break, HTML <br>) starts a new block. Headings are the
  exception: their lines are joined with a space, so one heading = one block.
- TableBlock rows are rectangular. A merged cell (horizontal or vertical)
  repeats its text in every grid position it covers, so each row read alone
  still carries its labels. Paragraphs inside one cell are joined with "\\n".
- Any failure raises UnreadableDocument with a one-line message naming the file.
- Paged sources (PDF, page images) tag every block with its 1-based page; pages
  without a usable text layer are read by OCR (ingest/ocr.py) and their blocks
  carry the page's OCR confidence.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path

from bs4 import BeautifulSoup
from bs4.element import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag
from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from tqdm import tqdm

from hoidap.ingest.ocr import OcrUnavailable, needs_ocr, ocr_image, render_pdf_page
from hoidap.models import Block, TableBlock, TextBlock

IMAGE_SUFFIXES: frozenset[str] = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
PAGED_SUFFIXES: frozenset[str] = IMAGE_SUFFIXES | {".pdf"}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".docx", ".html", ".htm"}) | PAGED_SUFFIXES


class UnreadableDocument(Exception):
    """A file that cannot be turned into blocks; the message is meant for the user."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = " ".join(str(reason).split())  # one line, whatever a library said
        super().__init__(f"{self.path.name}: không đọc được tệp — {self.reason}")

    def __reduce__(self) -> tuple[type[UnreadableDocument], tuple[Path, str]]:
        """Keep the exception picklable (e.g. across worker processes)."""
        return (type(self), (self.path, self.reason))


def read_blocks(path: Path, progress: bool = False, warnings: list[str] | None = None) -> list[Block]:
    """Read `path` with the reader for its suffix; every failure is an UnreadableDocument.

    Paged files (PDF, images) show a page progress bar while OCR runs and add a line to
    `warnings` for each page that could not be read."""
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        shown = path.suffix or "không có đuôi"
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnreadableDocument(
            path, f"định dạng không hỗ trợ: {shown} (unsupported file type; supported: {supported})"
        )
    data = _read_bytes(path)
    if path.suffix.lower() in PAGED_SUFFIXES:
        reader = partial(reader, progress=progress, warnings=warnings)
    try:
        blocks = reader(path, data)
    except UnreadableDocument:
        raise
    except Exception as exc:  # noqa: BLE001 - library errors must not escape raw
        raise UnreadableDocument(
            path, f"tệp hỏng hoặc sai định dạng (damaged or malformed file: {_describe(exc)})"
        ) from exc
    if not any(_has_text(block) for block in blocks):
        raise UnreadableDocument(path, "tệp không có nội dung văn bản (no extractable text)")
    return blocks


# ---------------------------------------------------------------- shared helpers

# Odd spaces (NBSP, en/em/thin spaces, ideographic space...) and line/page
# separators inside a line become a plain space; they only break matching.
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_SPACES += "\u202f\u205f\u3000\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"
# Invisible characters: zero-width, BOM, soft hyphen, bidi marks, other C0 controls.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f"
_INVISIBLE += "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\r\x7f"
_INVISIBLE += "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\x0b\x0c\x1c\x1d\x1e\x1f")
_CLEAN_TABLE = {ord(c): " " for c in _SPACES} | {ord(c): None for c in _INVISIBLE}


def _clean(text: str) -> str:
    """Normalise without changing content: NFC, plain spaces, no invisible characters."""
    return unicodedata.normalize("NFC", text.translate(_CLEAN_TABLE))


def _describe(exc: BaseException) -> str:
    """Short one-line description of a library exception for the user message."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _has_text(block: Block) -> bool:
    """Whether a block carries any visible text (used to detect empty documents)."""
    if isinstance(block, TextBlock):
        return bool(block.text.strip())
    return any(cell.strip() for row in block.rows for cell in row)


def _read_bytes(path: Path) -> bytes:
    """Read the whole file, turning OS errors into user-facing messages."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableDocument(path, "không tìm thấy tệp (file not found)") from None
    except IsADirectoryError:
        raise UnreadableDocument(path, "đây là thư mục, không phải tệp (is a directory)") from None
    except OSError as exc:
        reason = f"không mở được tệp (cannot open: {_describe(exc)})"
        raise UnreadableDocument(path, reason) from exc
    if not data.strip():
        raise UnreadableDocument(path, "tệp rỗng (empty file)")
    return data


def _rectangular(rows: list[list[str]]) -> list[list[str]]:
    """Pad rows with "" so every row has the table's full width."""
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]


def _table_lines(table: TableBlock) -> list[str]:
    """Flatten a (nested) table to 'a | b' lines, for text inside another table's cell."""
    return [" | ".join(cell for cell in row if cell) for row in table.rows]


def _block_lines(blocks: Iterable[Block]) -> list[str]:
    """Text lines of blocks, with tables flattened; used for table cell text."""
    lines: list[str] = []
    for block in blocks:
        lines.extend([block.text] if isinstance(block, TextBlock) else _table_lines(block))
    return [line for line in lines if line.strip()]


# ---------------------------------------------------------------- .txt

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _decode_plain(path: Path, data: bytes) -> str:
    """Decode UTF-8 (or UTF-16/32 when a BOM says so); never guess a legacy code page."""
    codec = next((codec for bom, codec in _BOMS if data.startswith(bom)), "utf-8")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(
            path,
            f"sai bảng mã, cần lưu tệp dạng UTF-8 (not valid {codec.upper()} text: byte "
            f"0x{data[exc.start]:02x} at offset {exc.start}; save the file as UTF-8)",
        ) from None
    if "\x00" in text:
        raise UnreadableDocument(
            path, "tệp nhị phân hoặc UTF-16 không có BOM (binary data or UTF-16 without a BOM)"
        )
    return text


def _raw_lines(text: str) -> list[str]:
    """Split on newlines; a final newline does not start an extra line (as `wc -l`)."""
    if "\n" not in text:
        text = text.replace("\r", "\n")  # classic Mac line endings
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _read_txt(path: Path, data: bytes) -> list[Block]:
    """One TextBlock per line, blank lines kept as TextBlock("")."""
    return [TextBlock(_clean(line)) for line in _raw_lines(_decode_plain(path, data))]


# ---------------------------------------------------------------- .md

_MD_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_MD_BULLET = re.compile(r"[ \t]*[-*+][ \t]+(.*)")
_MD_FENCE = re.compile(r" {0,3}(`{3,}|~{3,}).*")
_MD_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_MD_QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_MD_TABLE_SEP = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_MD_REF_DEF = re.compile(r" {0,3}\[[^\]]+\]:[ \t]*<?(?:https?://|mailto:|www\.|/|#)\S*")
_MD_LITERAL = re.compile(r"(`+)(.+?)\1|\\([!-/:-@\[-`{-~])")
_MD_MARKUP = (
    (re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])"), ""),  # images: dropped
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url)
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # <http://...>
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"\1"),
    (re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)"), r"\1"),
    (re.compile(r"(?<!\*)\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?!\*)"), r"\1"),
)
_PLACEHOLDER = 0xF0000  # Unicode private use plane: never in real text


def _md_inline(text: str) -> str:
    """Strip inline markup; code spans and backslash escapes are kept literally."""
    literals: list[str] = []

    def hide(match: re.Match[str]) -> str:
        code = match.group(2)
        literals.append(code.strip() if code is not None else match.group(3))
        return chr(_PLACEHOLDER + len(literals) - 1)

    text = _MD_LITERAL.sub(hide, text)
    for pattern, replacement in _MD_MARKUP:
        text = pattern.sub(replacement, text)
    return "".join(
        literals[ord(ch) - _PLACEHOLDER] if 0 <= ord(ch) - _PLACEHOLDER < len(literals) else ch
        for ch in text
    )


def _md_cells(line: str) -> list[str]:
    """Cells of a pipe-table line (outer pipes optional, '\\|' is a literal pipe)."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [_md_inline(cell.strip()) for cell in re.split(r"(?<!\\)\|", inner)]


def _md_table_at(lines: list[str], i: int) -> int:
    """Number of lines of the pipe table starting at line i (0 if there is none)."""
    if i + 1 >= len(lines) or "|" not in lines[i] or "|" not in lines[i + 1]:
        return 0
    if not _MD_TABLE_SEP.fullmatch(lines[i + 1]):
        return 0
    if len(_md_cells(lines[i])) != len(_md_cells(lines[i + 1])):
        return 0
    end = i + 2
    while end < len(lines) and "|" in lines[end] and lines[end].strip():
        end += 1
    return end - i


def _md_line(line: str) -> TextBlock | None:
    """Block for one ordinary Markdown line (None for lines that are only markup)."""
    if _MD_REF_DEF.match(line):
        return None
    heading = _MD_HEADING.fullmatch(line)
    if heading:
        text = _md_inline(heading.group(2) or "").strip()
        return TextBlock(text, heading_level=len(heading.group(1)) if text else None)
    if _MD_RULE.fullmatch(line):
        return TextBlock("")
    line = _MD_QUOTE.sub("", line, count=1)
    bullet = _MD_BULLET.fullmatch(line)
    if bullet:
        return TextBlock("- " + _md_inline(bullet.group(1)))
    return TextBlock(_md_inline(line))


def _read_md(path: Path, data: bytes) -> list[Block]:
    """Like .txt, with headings, inline markup, bullets and pipe tables understood."""
    lines = [_clean(line) for line in _raw_lines(_decode_plain(path, data))]
    blocks: list[Block] = []
    fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if fence is not None:  # inside a code block: lines kept verbatim
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            else:
                blocks.append(TextBlock(line))
            continue
        opening = _MD_FENCE.fullmatch(line)
        if opening:
            fence = opening.group(1)
            continue
        table_len = _md_table_at(lines, i - 1)
        if table_len:
            rows = [_md_cells(row) for row in lines[i - 1 : i - 1 + table_len]]
            del rows[1]  # the |---| separator
            blocks.append(TableBlock(_rectangular(rows), header_rows=1))
            i += table_len - 1
            continue
        block = _md_line(line)
        if block is not None:
            blocks.append(block)
    return blocks


# ---------------------------------------------------------------- .docx

_W_T, _W_TAB, _W_PTAB = qn("w:t"), qn("w:tab"), qn("w:ptab")
_W_BR, _W_CR, _W_HYPHEN = qn("w:br"), qn("w:cr"), qn("w:noBreakHyphen")
_W_P, _W_TBL, _W_SDT, _W_SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")
_W_CUSTOM_XML, _W_FOOTNOTE_REF = qn("w:customXml"), qn("w:footnoteReference")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Subtrees whose text is not part of the paragraph's visible text flow.
_DOCX_SKIP = {
    qn("w:pPr"), qn("w:rPr"), qn("w:del"), qn("w:moveFrom"), qn("w:txbxContent"), _MC_FALLBACK,
}
_HEADING_STYLE = re.compile(r"heading\s*([1-9])", re.IGNORECASE)


def _docx_text(element: etree._Element, notes: dict[str, int]) -> str:
    """Visible text of a paragraph, including hyperlinks, tracked insertions and fields.

    python-docx's Paragraph.text only sees direct runs and hyperlinks, so text in
    w:ins, w:smartTag, w:sdt or w:fldSimple would be lost silently.
    """
    parts: list[str] = []
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in _DOCX_SKIP:
            continue
        if tag == _W_T:
            parts.append(child.text or "")
        elif tag in (_W_TAB, _W_PTAB):
            parts.append("\t")
        elif tag == _W_CR or (tag == _W_BR and child.get(qn("w:type")) in (None, "textWrapping")):
            parts.append("\n")
        elif tag == _W_HYPHEN:
            parts.append("-")
        elif tag == _W_FOOTNOTE_REF:
            number = notes.get(child.get(qn("w:id"), ""))
            parts.append(f"[{number}]" if number else "")
        else:
            parts.append(_docx_text(child, notes))
    return "".join(parts)


def _outline_level(element: etree._Element) -> int | None:
    """w:outlineLvl of a paragraph or style element (0 = top level), if set."""
    values = element.xpath("./w:pPr/w:outlineLvl/@w:val")
    return int(values[0]) if values and str(values[0]).isdigit() else None


def _docx_heading_level(paragraph: Paragraph) -> int | None:
    """Heading level from the style name ('Heading N', 'Title' = 1) or the outline level."""
    style = paragraph.style
    name = (style.name or "").strip() if style is not None else ""
    match = _HEADING_STYLE.fullmatch(name)
    if match:
        return int(match.group(1))
    if name.lower() == "title":
        return 1
    level = _outline_level(paragraph._p)
    for _ in range(10):  # inherited through base styles; bounded against cycles
        if level is not None or style is None:
            break
        level = _outline_level(style.element)
        style = style.base_style
    return level + 1 if level is not None and level < 9 else None  # 9 = body text


def _docx_paragraph(paragraph: Paragraph, notes: dict[str, int]) -> list[TextBlock]:
    """One block per line of the paragraph; a heading stays one block."""
    lines = [_clean(line) for line in _docx_text(paragraph._p, notes).split("\n")]
    level = _docx_heading_level(paragraph)
    heading = " ".join(line.strip() for line in lines if line.strip())
    if level is not None and heading:
        return [TextBlock(heading, heading_level=level)]
    return [TextBlock(line) for line in lines]


def _docx_cell_text(cell_element: etree._Element, parent: Table, notes: dict[str, int]) -> str:
    """Text of one cell: its paragraphs (and nested tables) joined with newlines."""
    blocks = list(_docx_blocks(cell_element, parent, notes))
    return "\n".join(line.strip() for line in _block_lines(blocks))


def _docx_header_rows(table: Table) -> int:
    """Leading rows marked 'repeat as header row' (w:tblHeader); 1 when none are."""
    count = 0
    for tr in table._tbl.tr_lst:
        values = tr.xpath("./w:trPr/w:tblHeader/@w:val") or (
            ["1"] if tr.xpath("./w:trPr/w:tblHeader") else []
        )
        if not values or values[0] in ("0", "false", "off"):
            break
        count += 1
    return count or 1


def _docx_table(table: Table, notes: dict[str, int]) -> TableBlock | None:
    """Table as a rectangular grid; merged cells repeat their text in each position.

    python-docx yields the same cell once per grid column it spans (and the top
    cell again for vertical merges); we keep that repetition on purpose so every
    row has the full width and carries its own labels. Each distinct cell's text
    is computed once.
    """
    texts: dict[object, str] = {}
    rows: list[list[str]] = []
    for row in table.rows:
        cells = [""] * row.grid_cols_before
        for cell in row.cells:
            if cell._tc not in texts:
                texts[cell._tc] = _docx_cell_text(cell._tc, table, notes)
            cells.append(texts[cell._tc])
        rows.append(cells + [""] * row.grid_cols_after)
    rows = _rectangular(rows)
    if not any(cell.strip() for row in rows for cell in row):
        return None
    return TableBlock(rows, header_rows=min(_docx_header_rows(table), len(rows)))


def _docx_blocks(
    container: etree._Element, parent: DocxDocument | Table, notes: dict[str, int]
) -> Iterator[Block]:
    """Paragraphs and tables of a body/cell element in document order."""
    for child in container.iterchildren():
        if child.tag == _W_P:
            yield from _docx_paragraph(Paragraph(child, parent), notes)
        elif child.tag == _W_TBL:
            table = _docx_table(Table(child, parent), notes)
            if table is not None:
                yield table
        elif child.tag == _W_SDT:  # content control (e.g. a table of contents)
            content = child.find(_W_SDT_CONTENT)
            if content is not None:
                yield from _docx_blocks(content, parent, notes)
        elif child.tag == _W_CUSTOM_XML:
            yield from _docx_blocks(child, parent, notes)


def _docx_footnotes(document: DocxDocument) -> tuple[dict[str, int], list[str]]:
    """Footnote numbers by w:id and their texts; python-docx has no API for them."""
    try:
        part = document.part.part_related_by(RT.FOOTNOTES)
    except (KeyError, ValueError):
        return {}, []
    numbers: dict[str, int] = {}
    texts: list[str] = []
    for note in parse_xml(part.blob).iterchildren(qn("w:footnote")):
        if note.get(qn("w:type")) not in (None, "normal"):  # separators
            continue
        lines = (_clean(_docx_text(p, {})).strip() for p in note.iter(_W_P))
        texts.append(" ".join(line for line in lines if line))
        numbers[note.get(qn("w:id"), "")] = len(texts)
    return numbers, texts


def _open_docx(path: Path, data: bytes) -> DocxDocument:
    """Open the package, with a clear message for .doc files and non-ZIP data."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableDocument(
            path,
            "tệp Word cũ (.doc) hoặc tệp Office có mật khẩu "
            "(legacy .doc or password-protected Office file; save it as .docx)",
        )
    if not data.startswith(b"PK"):
        raise UnreadableDocument(
            path, "không phải tệp DOCX hợp lệ (not a valid .docx: not a ZIP package)"
        )
    try:
        return Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - zipfile/lxml/python-docx errors
        raise UnreadableDocument(
            path, f"không phải tệp DOCX hợp lệ (not a valid .docx: {_describe(exc)})"
        ) from exc


def _read_docx(path: Path, data: bytes) -> list[Block]:
    """Body paragraphs and tables in order, then footnotes as '[n] text' lines.

    A footnote reference in the body is rendered as '[n]' where Word shows the
    superscript number. Page headers/footers and text boxes are not read.
    """
    document = _open_docx(path, data)
    numbers, footnotes = _docx_footnotes(document)
    blocks = list(_docx_blocks(document.element.body, document, numbers))
    if any(footnotes):
        blocks.append(TextBlock(""))
        blocks.extend(TextBlock(f"[{n}] {text}") for n, text in enumerate(footnotes, 1) if text)
    return blocks


# ---------------------------------------------------------------- .pdf

_PAGE_NUMBER = re.compile(
    r"(?:(?:trang|page|tr\.)\s*(?P<word>\d{1,4})(?:\s*(?:/|of|trên|của)\s*\d{1,4})?)"
    r"|(?:[-–—]\s*)?(?P<bare>\d{1,4})(?:\s*[-–—])?"
    r"|(?P<of>\d{1,4})\s*/\s*(?P<total>\d{1,4})",
    re.IGNORECASE,
)
_EDGE_LINES = 2  # non-blank lines at the top and at the bottom of a page that may be furniture


def _is_page_number(line: str, page_count: int) -> bool:
    """'3', '- 3 -', 'Trang 3', 'Trang 3/12', '3/12' — plausible as a page number.

    A bare number must be small enough to be a page of this file (plus room for
    documents that start numbering later), so a year like '2024' ending a page
    is kept.
    """
    match = _PAGE_NUMBER.fullmatch(line.strip())
    if match is None:
        return False
    if match.group("word"):
        return True
    if match.group("of"):
        return 0 < int(match.group("of")) <= int(match.group("total"))
    return 0 < int(match.group("bare")) <= page_count + 50


def _edge_indexes(lines: list[str]) -> list[int]:
    """Indexes of the first and last few non-blank lines of a page."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]))


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines repeated at the top/bottom of most pages (running headers/footers)."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({lines[i].strip() for i in _edge_indexes(lines)})
    return {line for line, n in counts.items() if n >= 2 and n * 2 > len(pages)}


def _drop_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and running headers/footers, only at page edges."""
    repeated = _running_lines(pages)
    kept: list[list[str]] = []
    for lines in pages:
        drop = {
            i
            for i in _edge_indexes(lines)
            if lines[i].strip() in repeated or _is_page_number(lines[i], len(pages))
        }
        kept.append([line for i, line in enumerate(lines) if i not in drop])
    return kept


def _open_pdf(path: Path, data: bytes) -> PdfReader:
    """Open the PDF and unlock it with the empty password if it is encrypted."""
    if b"%PDF" not in data[:1024]:
        raise UnreadableDocument(
            path, "không phải tệp PDF hợp lệ (not a valid PDF: no %PDF header)"
        )
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise UnreadableDocument(path, "PDF có mật khẩu (password-protected PDF)")
        len(reader.pages)  # parse the page tree now, so damage is reported as such
    except UnreadableDocument:
        raise
    except DependencyError as exc:
        raise UnreadableDocument(
            path,
            "PDF mã hoá AES chưa mở được "
            f"(AES-encrypted PDF; pypdf needs the 'cryptography' package: {_describe(exc)})",
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any pypdf parsing error
        raise UnreadableDocument(path, f"PDF bị hỏng (damaged PDF: {_describe(exc)})") from exc
    return reader


def _pdf_page_lines(text: str) -> list[str]:
    """Cleaned lines of one page's extracted text."""
    return [_clean(line) for line in text.splitlines()]


class _Pages:
    """Pages of a paged file as lines, OCR'd where there is no usable text; one bad page is
    reported (by number, in `warnings`) and skipped, the rest goes on."""

    def __init__(self, path: Path, progress: bool, warnings: list[str] | None) -> None:
        self.path = path
        self.progress, self.warnings = progress, warnings if warnings is not None else []
        self.lines: list[list[str]] = []
        self.confidence: dict[int, float] = {}  # page number -> OCR confidence

    def ocr(self, number: int, image: Callable[[], object]) -> None:
        """OCR one page; an unavailable Tesseract fails the file, a bad page only that page."""
        try:
            page = ocr_image(image())
        except OcrUnavailable as exc:
            raise UnreadableDocument(self.path, str(exc)) from exc
        except Exception as exc:  # noqa: BLE001 - a damaged page image must not stop the file
            self.warnings.append(f"{self.path.name}, trang {number}: không đọc được trang ({_describe(exc)})")
            self.lines.append([])
            return
        self.lines.append([_clean(line) for line in page.lines])
        self.confidence[number] = page.confidence

    def bar(self, total: int) -> tqdm:
        """Progress over the pages to OCR (OCR takes seconds per page)."""
        return tqdm(total=total, desc=f"OCR {self.path.name}", unit="trang", disable=not self.progress or not total)

    def blocks(self) -> list[Block]:
        """Lines without page furniture, a TextBlock("") between pages, each tagged with its page."""
        blocks: list[Block] = []
        for number, lines in enumerate(_drop_page_furniture(self.lines), 1):
            if number > 1:
                blocks.append(TextBlock("", pages=[number]))
            conf = self.confidence.get(number)
            blocks.extend(TextBlock(line, pages=[number], ocr_confidence=conf) for line in lines)
        return blocks


def _read_pdf(path: Path, data: bytes, progress: bool = False, warnings: list[str] | None = None) -> list[Block]:
    """Text-layer lines page by page; pages without usable text are rendered and OCR'd."""
    reader = _open_pdf(path, data)
    texts = [page.extract_text() or "" for page in reader.pages]
    if not texts:
        raise UnreadableDocument(path, "PDF không có trang nào (PDF has no pages)")
    pages = _Pages(path, progress, warnings)
    with pages.bar(sum(map(needs_ocr, texts))) as bar:
        for index, text in enumerate(texts):
            if needs_ocr(text):
                pages.ocr(index + 1, lambda index=index: render_pdf_page(data, index))
                bar.update()
            else:
                pages.lines.append(_pdf_page_lines(text))
    blocks = pages.blocks()
    if not any(_has_text(b) for b in blocks):
        raise UnreadableDocument(path, "PDF không có chữ, kể cả sau OCR (scanned PDF: no text found, even by OCR)")
    return blocks


# ---------------------------------------------------------------- page images (.png .jpg .tif)

def _read_image(path: Path, data: bytes, progress: bool = False, warnings: list[str] | None = None) -> list[Block]:
    """A scanned page (or a multi-page TIFF), read by OCR."""
    from PIL import Image, ImageSequence

    image = Image.open(io.BytesIO(data))
    frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    pages = _Pages(path, progress, warnings)
    with pages.bar(len(frames)) as bar:
        for number, frame in enumerate(frames, 1):
            pages.ocr(number, lambda frame=frame: frame)
            bar.update()
    return pages.blocks()


# ---------------------------------------------------------------- .html

_HTML_DROP = (
    "script", "style", "noscript", "template", "head", "nav",
    "svg", "iframe", "button", "select", "textarea",
)
_HTML_PAGE_CHROME = ("header", "footer")  # dropped unless part of an <article>/<main>
_HTML_BLOCK = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt "
    "fieldset figcaption figure form hgroup hr html legend li main menu ol p section "
    "summary tbody td tfoot th thead tr ul".split()
)
_HTML_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_HTML_SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
# Browsers read these labels as windows-1252 (WHATWG Encoding Standard).
_WHATWG_CHARSETS = dict.fromkeys(("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"), "cp1252")


def _decode_html(path: Path, data: bytes) -> str:
    """UTF-8 (BOM-aware) first, then the charset declared in <meta>; no guessing."""
    codec = next((codec for bom, codec in _BOMS if data.startswith(bom)), None)
    if codec is not None:
        return data.decode(codec)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:8192])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        try:
            return data.decode(_WHATWG_CHARSETS.get(name, name))
        except (LookupError, UnicodeDecodeError):
            pass
    raise UnreadableDocument(
        path, "không xác định được bảng mã (not UTF-8 and no usable <meta charset>)"
    )


class _HtmlWalker:
    """Collects blocks from an HTML tree; inline text is buffered until a block ends."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buffer: list[str] = []
        self.prefix = ""  # list marker waiting for the first line of an <li>

    def flush(self) -> None:
        """End the current line: emit the buffered inline text as one TextBlock."""
        text = _clean(" ".join("".join(self.buffer).split())).strip()
        self.buffer.clear()
        if text:
            self.blocks.append(TextBlock(self.prefix + text))
            self.prefix = ""

    def walk(self, node: Tag) -> None:
        """Visit children in document order."""
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, _HTML_SKIP_STRINGS):
                    self.buffer.append(str(child))
            elif isinstance(child, Tag):
                self.visit(child)

    def visit(self, tag: Tag) -> None:
        """Dispatch one element: heading, table, pre, list item, block or inline."""
        name = tag.name.lower()
        if name in _HTML_HEADINGS:
            self.flush()
            text = " ".join(_html_lines(tag))  # a <br> in a heading becomes a space
            if text:
                self.blocks.append(TextBlock(text, heading_level=_HTML_HEADINGS[name]))
        elif name == "table":
            self.flush()
            table = _html_table(tag)
            if table is not None:
                self.blocks.append(table)
        elif name == "pre":
            self.flush()
            lines = _raw_lines(tag.get_text().removeprefix("\n"))
            self.blocks.extend(TextBlock(_clean(line)) for line in lines)
        elif name == "br":
            self.flush()
        elif name == "li":
            self.flush()
            self.prefix = _html_list_marker(tag)
            self.walk(tag)
            self.flush()
            self.prefix = ""
        elif name in _HTML_BLOCK:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)


def _html_list_marker(li: Tag) -> str:
    """'- ' for unordered items; 'N. ' for items of an <ol>, as a browser shows them."""
    parent = li.parent
    if parent is None or parent.name != "ol":
        return "- "
    start = _int_attr(parent, "start", 1, 1_000_000)
    siblings = parent.find_all("li", recursive=False)
    position = next((i for i, sibling in enumerate(siblings) if sibling is li), None)
    return "- " if position is None else f"{start + position}. "


def _int_attr(tag: Tag, name: str, default: int, limit: int) -> int:
    """Integer attribute (colspan, rowspan, start) clamped to a sane range."""
    try:
        value = int(str(tag.get(name, default)).strip())
    except ValueError:
        return default
    return min(max(value, 1), limit)


def _html_lines(tag: Tag) -> list[str]:
    """Non-blank lines inside an element (br/p/li split lines, nested tables flattened)."""
    walker = _HtmlWalker()
    walker.walk(tag)
    walker.flush()
    return _block_lines(walker.blocks)


def _html_cell_text(cell: Tag) -> str:
    """Text of a table cell: its lines joined with newlines."""
    return "\n".join(_html_lines(cell))


def _html_table_rows(table: Tag) -> list[Tag]:
    """<tr> elements of this table, not of tables nested in its cells."""
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _html_table(table: Tag) -> TableBlock | None:
    """Rectangular grid; colspan/rowspan repeat the cell text in each covered position."""
    rows: list[list[str]] = []
    header_flags: list[bool] = []
    pending: dict[int, tuple[str, int]] = {}  # column -> (text, rows still covered)
    for tr in _html_table_rows(table):
        cells = tr.find_all(["td", "th"], recursive=False)
        if not cells and not pending:
            continue
        row: list[str] = []
        for cell in cells:
            _html_take_pending(row, pending, stop_at_gap=True)
            text = _html_cell_text(cell)
            rowspan = _int_attr(cell, "rowspan", 1, 10_000)
            for _ in range(_int_attr(cell, "colspan", 1, 1000)):
                if rowspan > 1:
                    pending[len(row)] = (text, rowspan - 1)
                row.append(text)
        _html_take_pending(row, pending, stop_at_gap=False)
        rows.append(row)
        in_thead = tr.parent is not None and tr.parent.name == "thead"
        header_flags.append(in_thead or (bool(cells) and all(c.name == "th" for c in cells)))
    rows = _rectangular(rows)
    if not any(cell.strip() for row in rows for cell in row):
        return None
    leading = next((i for i, flag in enumerate(header_flags) if not flag), len(header_flags))
    return TableBlock(rows, header_rows=min(leading or 1, len(rows)))


def _html_take_pending(
    row: list[str], pending: dict[int, tuple[str, int]], stop_at_gap: bool
) -> None:
    """Fill positions still covered by a rowspan from an earlier row."""
    while pending:
        column = len(row)
        if column not in pending:
            if stop_at_gap or column > max(pending):
                return
            row.append("")
            continue
        text, left = pending.pop(column)
        if left > 1:
            pending[column] = (text, left - 1)
        row.append(text)


def _read_html(path: Path, data: bytes) -> list[Block]:
    """Block-level elements in document order, without scripts and page chrome."""
    soup = BeautifulSoup(_decode_html(path, data), "html.parser")
    for tag in soup.find_all(_HTML_DROP):
        if not tag.decomposed:
            tag.decompose()
    for tag in soup.find_all(_HTML_PAGE_CHROME):
        if not tag.decomposed and tag.find_parent(["article", "main"]) is None:
            tag.decompose()
    walker = _HtmlWalker()
    walker.walk(soup.body or soup)
    walker.flush()
    return walker.blocks


_READERS: dict[str, Callable[[Path, bytes], list[Block]]] = {
    ".txt": _read_txt,
    ".md": _read_md,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
} | dict.fromkeys(IMAGE_SUFFIXES, _read_image)
