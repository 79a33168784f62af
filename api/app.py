"""The FastAPI application: thin translation between HTTP and the answering service."""

from __future__ import annotations

import hmac
import json
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import APIKeyHeader

from hoidap.answer.memory import feedback_as_gold
from hoidap.answer.service import AnswerService
from hoidap.answer.types import Answer, original_link
from hoidap.api.observability import Metrics, RequestContextMiddleware, configure_logging
from hoidap.api.schemas import (
    AskRequest, AskResponse, DeletedOut, DocumentOut, ErrorOut, FeedbackOut, FeedbackRequest, IngestOut,
    SearchRequest, SearchResponse, SearchResult,
)
from hoidap.api.security import (
    API_KEY_HEADER, ApiError, RateLimited, SlidingWindowLimiter, check_api_key, enforce_rate_limit,
)
from hoidap.api.streaming import answer_events
from hoidap.api.uploads import check_types, read_files, save_files
from hoidap.api.web import add_web_routes
from hoidap.errors import HoidapError
from hoidap.ingest.originals import media_type, opens_inline
from hoidap.settings import Settings


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["files"],
            "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
        }}},
    }
}
_SSE_DOC = {200: {"content": {"text/event-stream": {}}, "description": "meta, delta…, then done or error"}}


def create_app(service: AnswerService, settings: Settings | None = None, local_token: str | None = None) -> FastAPI:
    """An app bound to one answering service (which owns the index and the models).

    `settings` overrides the serving knobs (CORS, rate limit, API key, upload size, logs) without
    touching the service's own settings, so several apps can share one service. `local_token` is
    also accepted as the admin key (`hoidap ingest` on the same machine, see api/handoff.py).
    """
    settings = settings or service.settings

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        service.close()

    app = FastAPI(
        title="hoidap",
        description="Hỏi đáp về kế hoạch giáo dục: câu trả lời kèm trích dẫn đoạn văn bản gốc.",
        version="0.1.0",
        lifespan=lifespan,
    )
    metrics = Metrics()
    app.state.service, app.state.settings, app.state.metrics = service, settings, metrics
    _install_error_handlers(app)
    _add_routes(app, service)
    _add_chat_routes(app, service, settings, metrics)
    _add_admin_routes(app, service, settings, local_token)
    _add_ops_routes(app, metrics)
    add_web_routes(app)
    app.add_middleware(
        CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "Accept", API_KEY_HEADER, "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"], max_age=600,
    )
    app.add_middleware(RequestContextMiddleware, metrics=metrics, logger=configure_logging(settings.log_json))
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HoidapError)
    async def domain_error(_: Request, exc: HoidapError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(ApiError)
    async def edge_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": describe_validation(exc)}, status_code=422)


def describe_validation(exc: RequestValidationError) -> str:
    """One readable sentence per problem: "question: Input should be a valid string"."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def _add_routes(app: FastAPI, service: AnswerService) -> None:
    errors = {422: {"model": ErrorOut}, 503: {"model": ErrorOut}}

    @app.post("/api/search", response_model=SearchResponse, responses=errors, tags=["hỏi đáp"])
    async def search(body: SearchRequest) -> SearchResponse:
        """Các đoạn văn bản liên quan nhất, theo thứ hạng."""
        # async + one worker-thread hop: a sync endpoint costs a second hop to validate its result
        hits = await run_in_threadpool(service.search, body.query, body.top_k, body.province)
        return SearchResponse(
            query=body.query,
            results=[
                SearchResult(
                    rank=i + 1, source=h.chunk.source, title=h.chunk.metadata.title,
                    province=h.chunk.metadata.province, section=h.chunk.section, text=h.chunk.text,
                    score=h.score, chunk_id=h.chunk.id,
                )
                for i, h in enumerate(hits)
            ],
        )

    @app.get("/api/documents", response_model=list[DocumentOut], tags=["văn bản"])
    def documents() -> list[dict]:
        return service.documents()

    @app.get("/api/documents/{source}/file", tags=["văn bản"], response_class=FileResponse,
             responses={404: {"model": ErrorOut}})
    def document_file(source: str) -> FileResponse:
        """Tệp gốc của văn bản (PDF mở trong trình duyệt; thêm #page=N để tới đúng trang)."""
        path = service.originals.path(source)
        return FileResponse(
            path, media_type=media_type(path), filename=path.name,
            content_disposition_type="inline" if opens_inline(path) else "attachment",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )

    @app.get("/api/health", tags=["vận hành"])
    def health() -> dict:
        docs = service.documents()
        return {
            "status": "ok",
            "documents": len(docs),
            "chunks": sum(d["chunks"] for d in docs),
            "embedding_backend": service.settings.embedding_backend,
            "qdrant": "server" if service.settings.engine == "server" else "embedded",
        }


def _rate_limit(limiter: SlidingWindowLimiter, metrics: Metrics):
    """A dependency refusing a client over the per-minute limit (429 + Retry-After)."""

    async def limit(request: Request) -> None:
        try:
            enforce_rate_limit(limiter, request)
        except RateLimited:
            metrics.rate_limited.labels(route=request.url.path).inc()
            raise

    return Depends(limit)


def _answer(service: AnswerService, metrics: Metrics, body: AskRequest) -> AskResponse:
    """The answer as the public response (the contract of /api/ask and the stream's done event)."""
    conversation_id = _conversation_id(service, body)
    started = time.perf_counter()
    return _response(service.ask(body.question, body.province, conversation_id), metrics, started)


def _response(answer: Answer, metrics: Metrics, started: float) -> AskResponse:
    payload = answer.to_dict()
    for citation in payload["citations"] + payload["related"]:
        citation["original"] = original_link(citation["source"], citation.get("page"))
    metrics.record_answer(payload, time.perf_counter() - started)
    return AskResponse.model_validate(payload)


def _public(answer: Answer, metrics: Metrics, started: float) -> dict:
    return _response(answer, metrics, started).model_dump(mode="json")


def _conversation_id(service: AnswerService, body: AskRequest) -> str | None:
    """The client's id, a fresh one when it asks for a new conversation, or None (stateless)."""
    return service.memory.new_conversation_id() if body.new_conversation else body.conversation_id


def _add_chat_routes(app: FastAPI, service: AnswerService, settings: Settings, metrics: Metrics) -> None:
    errors = {422: {"model": ErrorOut}, 429: {"model": ErrorOut}, 503: {"model": ErrorOut}}
    ask_limit = _rate_limit(SlidingWindowLimiter(settings.rate_limit_per_minute), metrics)
    feedback_limit = _rate_limit(SlidingWindowLimiter(settings.rate_limit_per_minute), metrics)

    @app.post("/api/ask", response_model=AskResponse, responses=errors, tags=["hỏi đáp"],
              dependencies=[ask_limit])
    async def ask(body: AskRequest) -> AskResponse:
        """Trả lời một câu hỏi, mỗi ý kèm trích dẫn [n] tới đoạn văn bản gốc."""
        # one worker-thread hop; the validated model is not validated again (a sync endpoint
        # returning a dict costs a second hop for that)
        return await run_in_threadpool(_answer, service, metrics, body)

    @app.post("/api/ask/stream", response_class=StreamingResponse, responses={**errors, **_SSE_DOC},
              tags=["hỏi đáp"], dependencies=[ask_limit])
    async def ask_stream(body: AskRequest) -> StreamingResponse:
        """Như /api/ask, nhưng trả về dần qua Server-Sent Events: meta, delta…, done."""
        question = service.validate(body.question)  # a bad question is still a plain 422
        conversation_id = await run_in_threadpool(_conversation_id, service, body)

        started = time.perf_counter()
        events = answer_events(
            lambda: service.ask_stream(question, body.province, conversation_id),
            lambda answer: _public(answer, metrics, started),
            {"conversation_id": conversation_id, "question": question},
        )
        return StreamingResponse(
            events, media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.post("/api/feedback", status_code=201, response_model=FeedbackOut, responses=errors,
              tags=["góp ý"], dependencies=[feedback_limit])
    def feedback(body: FeedbackRequest) -> FeedbackOut:
        """Đánh giá 👍/👎 (kèm góp ý) cho một câu trả lời; lưu cùng câu hỏi, câu trả lời và trích dẫn."""
        citations = [c.model_dump() for c in body.citations]
        fid = service.memory.add_feedback(
            "web", body.question, body.answer, citations, body.rating, body.comment, body.conversation_id,
        )
        metrics.feedback.labels(rating=str(body.rating)).inc()
        return FeedbackOut(id=fid)


def _admin(settings: Settings, local_token: str | None = None):
    """A dependency requiring the X-API-Key header (401 missing, 403 wrong, 503 not configured)."""
    header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="HOIDAP_API_KEY")

    async def require_key(key: str | None = Security(header)) -> None:
        if local_token and key and hmac.compare_digest(key.encode(), local_token.encode()):
            return
        check_api_key(settings.api_key, key)

    return Depends(require_key)


def _add_admin_routes(app: FastAPI, service: AnswerService, settings: Settings, local_token: str | None) -> None:
    admin = _admin(settings, local_token)
    errors = {code: {"model": ErrorOut} for code in (401, 403, 404, 413, 415, 422, 503)}

    jsonl = {"content": {"application/x-ndjson": {}}, "description": "one gold-set item per line"}

    @app.get("/api/feedback", tags=["góp ý"], dependencies=[admin], responses={**errors, 200: jsonl})
    def export_feedback(
        rating: int | None = Query(None, ge=-1, le=1, description="-1: chỉ câu trả lời bị chê; 1: được khen"),
        channel: str | None = Query(None, description="web, telegram…"),
    ) -> Response:
        """Xuất góp ý dạng JSONL theo định dạng bộ câu hỏi chuẩn (gold set) để đánh giá lại."""
        items = [
            feedback_as_gold(item) for item in service.memory.feedback()
            if rating in (None, item["rating"]) and channel in (None, item["channel"])
        ]
        body = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
        return Response(body, media_type="application/x-ndjson; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="feedback-gold.jsonl"'})

    @app.post("/api/admin/ingest", response_model=IngestOut, tags=["quản trị"], dependencies=[admin],
              responses=errors, openapi_extra=_UPLOAD_BODY)
    async def admin_ingest(request: Request) -> IngestOut:
        """Tải lên và lập chỉ mục văn bản (.txt .md .docx .pdf .html, ảnh quét .png .jpg .tif); tệp lỗi được liệt kê theo tên."""
        files = await read_files(request, settings.max_upload_bytes)
        try:
            names = check_types(files)
            with tempfile.TemporaryDirectory(prefix="hoidap-upload-") as folder:
                paths = await run_in_threadpool(save_files, files, names, Path(folder))
                report = await run_in_threadpool(service.ingest, paths)
        finally:
            for upload in files:
                await upload.close()
        return IngestOut(
            ok=report.ok, added=report.added, replaced=report.replaced, unchanged=report.unchanged,
            failed=[{"file": name, "reason": reason} for name, reason in report.failed], chunks=report.chunks,
            warnings=report.warnings, ocr=[f"{name}: {pages} trang, {s:.1f}s" for name, pages, s in report.ocr],
        )

    @app.delete("/api/admin/documents/{source}", response_model=DeletedOut, tags=["quản trị"],
                dependencies=[admin], responses=errors)
    def delete_document(source: str) -> DeletedOut:
        """Xóa một văn bản (theo tên tệp) khỏi chỉ mục."""
        return DeletedOut(source=source, deleted_chunks=service.delete(source))


def _add_ops_routes(app: FastAPI, metrics: Metrics) -> None:
    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)
