"""Serving safely: HTTP-edge errors, the per-client rate limit and the admin API key."""

from __future__ import annotations

import hmac
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.requests import Request

API_KEY_HEADER = "X-API-Key"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class ApiError(Exception):
    """An error that only exists at the HTTP edge; rendered as {"detail": ...} with its status."""

    status = 400

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class ApiKeyMissing(ApiError):
    status = 401


class ApiKeyWrong(ApiError):
    status = 403


class ApiKeyNotConfigured(ApiError):
    status = 503


class RateLimited(ApiError):
    status = 429


class UploadTooLarge(ApiError):
    status = 413


class UnsupportedUpload(ApiError):
    status = 415


class BadUpload(ApiError):
    status = 422


class SlidingWindowLimiter:
    """At most `limit` hits per `window_s` for each key, counted over a sliding window.

    In memory, so per process: behind several replicas keep each client on one (nginx ip_hash).
    """

    def __init__(
        self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Record a hit; 0 when allowed, else the seconds until the oldest hit leaves the window."""
        if self.limit <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window_s - now
            hits.append(now)
            if len(self._hits) > 10_000:
                self._forget_idle(now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop clients with no hit inside the window, so memory stays bounded."""
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window_s]:
            del self._hits[key]


def client_key(request: Request) -> str:
    """The client's IP (uvicorn resolves X-Forwarded-For only from HOIDAP_FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else "unknown"


def enforce_rate_limit(limiter: SlidingWindowLimiter, request: Request) -> None:
    """Raise RateLimited (429 + Retry-After) when this client asked too often."""
    wait = limiter.hit(client_key(request))
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise RateLimited(
            f"Bạn đã gửi quá nhiều câu hỏi: tối đa {limiter.limit} câu mỗi phút. "
            f"Vui lòng thử lại sau {seconds} giây (rate limit exceeded).",
            headers={"Retry-After": str(seconds)},
        )


def check_api_key(configured: str | None, given: str | None) -> None:
    """503 when the server has no key, 401 when none is sent, 403 when it is wrong."""
    if not configured:
        raise ApiKeyNotConfigured(
            "Máy chủ chưa cấu hình khóa quản trị (HOIDAP_API_KEY), nên các chức năng quản trị bị tắt "
            "(admin endpoints are disabled: no API key configured)."
        )
    if not given:
        raise ApiKeyMissing(f"Thiếu khóa quản trị: gửi tiêu đề {API_KEY_HEADER} (missing API key).")
    if not hmac.compare_digest(given.encode(), configured.encode()):
        raise ApiKeyWrong("Khóa quản trị không đúng (wrong API key).")


def request_id_from(value: str | None, new_id: Callable[[], str]) -> str:
    """Echo a client's X-Request-ID when it is a sane token, else issue a fresh one."""
    if value and _REQUEST_ID.match(value):
        return value
    return new_id()
