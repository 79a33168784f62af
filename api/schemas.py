"""Request and response bodies of the HTTP API (the contract clients rely on)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(..., description="Câu hỏi, có hoặc không dấu", examples=["mục tiêu chi ngân sách cho giáo dục?"])
    province: StrictStr | None = Field(None, description="Chỉ hỏi trong văn bản của tỉnh này")


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: StrictStr
    top_k: int = Field(8, ge=1, le=50, strict=True)
    province: StrictStr | None = None


class CitationOut(BaseModel):
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
    footnotes: dict[str, str] = {}


class AskResponse(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[CitationOut]
    related: list[CitationOut]
    provinces: list[str]
    mode: str


class SearchResult(BaseModel):
    rank: int
    source: str
    title: str
    province: str
    section: str
    text: str
    score: float
    chunk_id: str


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]


class DocumentOut(BaseModel):
    source: str
    title: str
    province: str
    issuer: str
    number: str
    date: str
    school_year: str
    doc_type: str
    signer: str = ""
    chunks: int


class ErrorOut(BaseModel):
    detail: str
