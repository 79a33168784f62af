"""Domain types passed between the stages (ingest -> index -> answer)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TextBlock:
    """One line or paragraph of text as a reader found it."""

    text: str
    # Heading level when the source format says so (docx/html/md headings), else None.
    heading_level: int | None = None


@dataclass
class TableBlock:
    """A table as rows of cell strings; the first rows may be header rows."""

    rows: list[list[str]]
    header_rows: int = 1


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


@dataclass
class ParsedDocument:
    """A document after reading, repair and structure analysis."""

    source: str
    content_hash: str
    text: str
    paragraphs: list[Paragraph]
    metadata: DocumentMetadata


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



@dataclass
class Hit:
    """A retrieved chunk with its fused retrieval score (higher is better)."""

    chunk: Chunk
    score: float
