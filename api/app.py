"""The FastAPI application: thin translation between HTTP and the answering service."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from answer.service import AnswerService
from api.schemas import AskRequest, AskResponse, DocumentOut, ErrorOut, SearchRequest, SearchResponse, SearchResult
from hoidap.errors import DocumentNotFound, HoidapError, IndexUnavailable, InvalidQuestion

_STATUS = {InvalidQuestion: 422, DocumentNotFound: 404, IndexUnavailable: 503}


def create_app(service: AnswerService) -> FastAPI:
    """An app bound to one answering service (which owns the index and the models)."""

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
    app.state.service = service
    _install_error_handlers(app)
    _add_routes(app, service)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HoidapError)
    async def domain_error(_: Request, exc: HoidapError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=_STATUS.get(type(exc), 400))

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

    @app.post("/api/ask", response_model=AskResponse, responses=errors, tags=["hỏi đáp"])
    def ask(body: AskRequest) -> dict:
        """Trả lời một câu hỏi, mỗi ý kèm trích dẫn [n] tới đoạn văn bản gốc."""
        return service.ask(body.question, body.province).to_dict()

    @app.post("/api/search", response_model=SearchResponse, responses=errors, tags=["hỏi đáp"])
    def search(body: SearchRequest) -> SearchResponse:
        """Các đoạn văn bản liên quan nhất, theo thứ hạng."""
        hits = service.search(body.query, body.top_k, body.province)
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

    @app.get("/api/health", tags=["vận hành"])
    def health() -> dict:
        docs = service.documents()
        return {
            "status": "ok",
            "documents": len(docs),
            "chunks": sum(d["chunks"] for d in docs),
            "embedding_backend": service.settings.embedding_backend,
            "qdrant": "server" if service.settings.qdrant_url else "embedded",
        }
