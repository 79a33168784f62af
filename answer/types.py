"""What the answering service returns to the CLI, the API, the bot and the evaluation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from urllib.parse import quote

from hoidap.models import Hit

# Below this mean Tesseract word confidence a page's figures are flagged for checking against the
# original (clean 300-dpi scans of the sample plans read at ~0.9; see README "Scanned plans").
LOW_OCR_CONFIDENCE = 0.8


@dataclass
class Citation:
    """One cited passage: the marker number [n] refers to it."""

    n: int
    source: str
    title: str
    province: str
    section: str
    text: str
    quote: str
    score: float
    chunk_id: str
    start: int
    end: int
    number: str = ""
    date: str = ""
    issuer: str = ""
    footnotes: dict[str, str] = field(default_factory=dict)
    page: int | None = None  # first page of the quote in a paged source (PDF, scan)
    ocr: bool = False
    ocr_confidence: float | None = None
    note: str = ""  # e.g. a warning that the quote was read by OCR from a poor scan

    @classmethod
    def from_hit(cls, n: int, hit: Hit, quote: str) -> "Citation":
        c, m = hit.chunk, hit.chunk.metadata
        return cls(
            n=n, source=c.source, title=m.title, province=m.province, section=c.section,
            text=c.text, quote=quote, score=round(hit.score, 4), chunk_id=c.id,
            start=c.start, end=c.end, number=m.number, date=m.date, issuer=m.issuer,
            footnotes=c.footnotes, page=c.pages[0] if c.pages else None,
            ocr=c.ocr, ocr_confidence=c.ocr_confidence, note=ocr_note(c.ocr_confidence),
        )


def ocr_note(confidence: float | None) -> str:
    """A short warning for quotes read by OCR from a page Tesseract was unsure about."""
    if confidence is None or confidence >= LOW_OCR_CONFIDENCE:
        return ""
    return (f"Đoạn này được nhận dạng (OCR) từ bản quét, độ tin cậy {confidence:.0%}: "
            "hãy đối chiếu số liệu với bản gốc.")


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    related: list[Citation] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    mode: str = "extractive"
    conversation_id: str | None = None
    resolved_question: str = ""
    dropped: list[str] = field(default_factory=list)  # generated sentences removed by verification

    def to_dict(self) -> dict:
        return asdict(self)


def original_link(source: str, page: int | None, base: str = "") -> str:
    """URL of a document's original file; a PDF viewer opens it at `page` (#page=N)."""
    url = f"{base.rstrip('/')}/api/documents/{quote(source, safe='')}/file"
    return f"{url}#page={page}" if page else url
