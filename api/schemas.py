"""Request and response bodies of the HTTP API (the contract clients rely on)."""

from __future__ import annotations

from pydantic import (
    BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator, model_validator,
)

CONVERSATION_ID = r"^[A-Za-z0-9_-]{8,64}$"


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(..., description="Câu hỏi, có hoặc không dấu", examples=["mục tiêu chi ngân sách cho giáo dục?"])
    province: StrictStr | None = Field(None, description="Chỉ hỏi trong văn bản của tỉnh này")
    conversation_id: StrictStr | None = Field(
        None, pattern=CONVERSATION_ID,
        description="Mã cuộc trò chuyện (từ câu trả lời trước) để hiểu câu hỏi tiếp nối; "
        "null = câu hỏi độc lập",
    )
    new_conversation: StrictBool = Field(
        False,
        description="true (với conversation_id null): máy chủ cấp mã cuộc trò chuyện mới, "
        "trả về trong câu trả lời",
    )

    @model_validator(mode="after")
    def _one_conversation(self) -> "AskRequest":
        if self.new_conversation and self.conversation_id is not None:
            raise ValueError("new_conversation: không dùng cùng conversation_id (choose one)")
        return self


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
    page: int | None = Field(None, description="Trang (bắt đầu) của đoạn trích trong bản gốc có trang (PDF, ảnh quét)")
    ocr: bool = Field(False, description="Đoạn được nhận dạng (OCR) từ bản quét")
    ocr_confidence: float | None = Field(None, description="Độ tin cậy OCR của trang (0..1)")
    note: str = Field("", description="Lưu ý, ví dụ số liệu đọc từ bản quét kém rõ")
    original: str = Field("", description="Đường dẫn tới tệp gốc, mở đúng trang (#page=N) với PDF")


class AskResponse(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[CitationOut]
    related: list[CitationOut]
    provinces: list[str]
    mode: str
    conversation_id: str | None = Field(None, description="Gửi lại mã này với câu hỏi tiếp theo")
    resolved_question: str = Field("", description="Câu hỏi tiếp nối sau khi được hiểu theo ngữ cảnh")


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


class FeedbackCitation(BaseModel):
    """The parts of a citation a reviewer needs (extra fields the widget sends are dropped)."""

    model_config = ConfigDict(extra="ignore")

    n: int | None = None
    source: StrictStr = Field(..., max_length=300)
    title: StrictStr = Field("", max_length=1000)
    province: StrictStr = Field("", max_length=100)
    section: StrictStr = Field("", max_length=2000)
    quote: StrictStr = Field("", max_length=5000)
    text: StrictStr = Field("", max_length=10000)


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(..., min_length=1, max_length=2000)
    answer: StrictStr = Field(..., max_length=20000)
    citations: list[FeedbackCitation] = Field(default_factory=list, max_length=30)
    rating: StrictInt = Field(..., description="1 = hữu ích (thumbs up), -1 = chưa tốt (thumbs down)")
    comment: StrictStr = Field("", max_length=2000)
    conversation_id: StrictStr | None = Field(None, pattern=CONVERSATION_ID)

    @field_validator("rating")
    @classmethod
    def _thumb(cls, value: int) -> int:
        if value not in (1, -1):
            raise ValueError("phải là 1 (hữu ích) hoặc -1 (chưa tốt) (must be 1 or -1)")
        return value


class FeedbackOut(BaseModel):
    id: str


class FailedFile(BaseModel):
    file: str
    reason: str


class IngestOut(BaseModel):
    ok: bool = Field(..., description="false when at least one file could not be read (see failed)")
    added: list[str]
    replaced: list[str]
    unchanged: list[str]
    failed: list[FailedFile]
    warnings: list[str] = Field(default_factory=list, description="trang không đọc được (tệp, trang)")
    ocr: list[str] = Field(default_factory=list, description="tệp đã nhận dạng OCR: số trang, thời gian")
    chunks: int


class DeletedOut(BaseModel):
    source: str
    deleted_chunks: int
