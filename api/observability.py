"""Request ids, structured logs and Prometheus metrics for one app instance."""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime, timezone

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hoidap.api.security import request_id_from

LOGGER_NAME = "hoidap.api"
_HANDLER_MARK = "_hoidap_handler"
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Counters and histograms in a registry of their own, so several apps never clash."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hoidap_http_requests", "HTTP requests by method, route and status.",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "hoidap_http_request_duration_seconds", "Time to serve a request, until its last byte.",
            ["method", "route"], buckets=_LATENCY_BUCKETS, registry=self.registry,
        )
        self.answers = Counter(
            "hoidap_answers", "Answers given, by outcome (answered | abstained) and mode.",
            ["outcome", "mode"], registry=self.registry,
        )
        self.answer_seconds = Histogram(
            "hoidap_answer_duration_seconds", "Time the answering service took per question.",
            buckets=_LATENCY_BUCKETS, registry=self.registry,
        )
        self.rate_limited = Counter(
            "hoidap_rate_limited", "Requests refused by the per-client rate limit.", ["route"],
            registry=self.registry,
        )
        self.feedback = Counter(
            "hoidap_feedback", "Feedback received, by rating.", ["rating"], registry=self.registry,
        )

    def record_answer(self, answer: dict, seconds: float) -> None:
        outcome = "abstained" if answer.get("abstained") else "answered"
        self.answers.labels(outcome=outcome, mode=answer.get("mode", "")).inc()
        self.answer_seconds.observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable variant for a terminal (HOIDAP_LOG_JSON=false)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={v}" for k, v in (getattr(record, "fields", {}) or {}).items())
        head = f"{self.formatTime(record)} {record.levelname} {record.name}: {record.getMessage()}"
        line = f"{head} {fields}".rstrip()
        return line + ("\n" + self.formatException(record.exc_info) if record.exc_info else "")


def configure_logging(json_logs: bool) -> logging.Logger:
    """Give the API logger one stderr handler (idempotent: several apps share it)."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.INFO)
    handler = next((h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        setattr(handler, _HANDLER_MARK, True)
        logger.addHandler(handler)
    handler.setFormatter(JsonFormatter() if json_logs else TextFormatter())
    return logger


def _route_label(scope: Scope) -> str:
    """The route template (/api/admin/documents/{source}), never the raw path: bounded label values."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


class RequestContextMiddleware:
    """Outermost layer: request id in and out, one log line and metrics per request, JSON 500s."""

    def __init__(self, app: ASGIApp, metrics: Metrics, logger: logging.Logger) -> None:
        self.app = app
        self.metrics = metrics
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1") or None
        rid = request_id_from(given, lambda: uuid.uuid4().hex)
        scope.setdefault("state", {})["request_id"] = rid
        started, status = time.perf_counter(), {"code": 500, "sent": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                extra = [(b"x-request-id", rid.encode()), *_SECURITY_HEADERS]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            self._log(scope, rid, 500, started, error=True)
            if status["sent"]:
                raise
            await self._internal_error(send_with_id, rid)
            return
        self._log(scope, rid, status["code"], started)

    async def _internal_error(self, send: Send, rid: str) -> None:
        body = json.dumps(
            {"detail": f"Lỗi máy chủ nội bộ, mã yêu cầu {rid} (internal server error)."}, ensure_ascii=False
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _log(self, scope: Scope, rid: str, status: int, started: float, error: bool = False) -> None:
        seconds = time.perf_counter() - started
        route, method = _route_label(scope), scope.get("method", "")
        self.metrics.requests.labels(method=method, route=route, status=str(status)).inc()
        self.metrics.latency.labels(method=method, route=route).observe(seconds)
        client = scope.get("client") or ("", 0)
        fields = {
            "request_id": rid, "method": method, "path": scope.get("path", ""), "route": route,
            "status": status, "duration_ms": round(seconds * 1000, 1), "client": client[0],
        }
        if error:
            self.logger.exception("request failed", extra={"fields": fields})
        else:
            self.logger.info("request", extra={"fields": fields})
