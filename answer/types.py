"""What the answering service returns to the CLI, the API, the bot and the evaluation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from hoidap.models import Hit


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

    @classmethod
    def from_hit(cls, n: int, hit: Hit, quote: str) -> "Citation":
        c, m = hit.chunk, hit.chunk.metadata
        return cls(
            n=n, source=c.source, title=m.title, province=m.province, section=c.section,
            text=c.text, quote=quote, score=round(hit.score, 4), chunk_id=c.id,
            start=c.start, end=c.end, number=m.number, date=m.date, issuer=m.issuer,
            footnotes=c.footnotes,
        )


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
