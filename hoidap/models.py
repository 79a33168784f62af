"""Domain types passed between the stages (ingest -> index -> answer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class TextBlock:
    """One line or paragraph of text as a reader found it."""

    text: str
    # Heading level when the source format says so (docx/html/md headings), else None.
    heading_level: int | None = None
    # 1-based page(s) of a paged source (PDF, image); empty for formats without pages.
    pages: list[int] = field(default_factory=list)
    # Mean Tesseract word confidence (0..1) of the page(s) when the text was read by OCR.
    ocr_confidence: float | None = None


@dataclass
class TableBlock:
    """A table as rows of cell strings; the first rows may be header rows."""

    rows: list[list[str]]
    header_rows: int = 1
    pages: list[int] = field(default_factory=list)
    ocr_confidence: float | None = None
    row_pages: list[list[int]] = field(default_factory=list)  # per data row, when known (PDF tables)


Block = TextBlock | TableBlock


@dataclass
class DocumentMetadata:
    """What a plan says about itself; shown in citations and usable as filters."""

    title: str = ""
    province: str = ""
    issuer: str = ""
    number: str = ""
    date: str = ""
    school_year: str = ""
    doc_type: str = ""
    signer: str = ""
    # Which paragraph (ordinal) each field was read from, so an answer can cite it.
    evidence: dict[str, int] = field(default_factory=dict)


@dataclass
class Paragraph:
    """A repaired paragraph with its place in the document structure."""

    ordinal: int
    text: str
    section: str
    start: int = 0
    end: int = 0
    kind: str = "text"  # text | heading | title | table_row | footnote | signature
    footnotes: dict[str, str] = field(default_factory=dict)
    pages: list[int] = field(default_factory=list)  # pages the paragraph spans (paged sources)
    ocr_confidence: float | None = None  # lowest OCR page confidence among them; None = not OCR'd


@dataclass
class ParsedDocument:
    """A document after reading, repair and structure analysis."""

    source: str
    content_hash: str
    text: str
    paragraphs: list[Paragraph]
    metadata: DocumentMetadata
    warnings: list[str] = field(default_factory=list)  # pages that could not be read, by number


@dataclass
class Chunk:
    """The unit that is embedded, indexed, retrieved and cited."""

    id: str
    doc_id: str
    source: str
    ordinal: int
    text: str
    section: str
    paragraphs: list[int]
    start: int
    end: int
    kind: str
    metadata: DocumentMetadata
    footnotes: dict[str, str] = field(default_factory=dict)
    content_hash: str = ""
    pages: list[int] = field(default_factory=list)  # 1-based pages of a paged source, else empty
    ocr: bool = False  # read by OCR from a scan
    ocr_confidence: float | None = None  # lowest OCR page confidence (0..1) of the chunk


@dataclass
class Hit:
    """A retrieved chunk with its fused retrieval score (higher is better)."""

    chunk: Chunk
    score: float


class ParagraphLookup(Protocol):
    """What the answer layer asks of the index by a paragraph's number (the index's ChunkStore is one):
    a plan's metadata line is cited by the chunk that holds its paragraph."""

    def chunk_with_paragraph(self, source: str, paragraph: int) -> Chunk | None: ...
