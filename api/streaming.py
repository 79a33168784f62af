"""Server-Sent Events for /api/ask/stream.

Event format (generic, so a token-streaming LLM can feed the same endpoint):

    event: meta    data: {"conversation_id": str|null, "question": str, "mode": str}
    event: delta   data: {"text": str}        (the answer text, in order; concatenated = answer)
    event: done    data: {full /api/ask response: answer, citations, related, ...}
    event: error   data: {"detail": str, "status": int}   (instead of done; the stream ends)

Lines starting with ":" are comments (keep-alives); clients ignore unknown events and fields.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator

from hoidap.errors import HoidapError

DELTA_CHARS = 24
DELTA_PAUSE_S = 0.012


def sse(event: str, data: dict) -> bytes:
    """One SSE frame; JSON has no raw newlines, so a single data line suffices."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def answer_events(
    events: Callable[[], Iterator[tuple[str, object]]],
    finish: Callable[[object], dict],
    meta: dict,
    pause_s: float = DELTA_PAUSE_S,
) -> AsyncIterator[bytes]:
    """SSE frames from the answering service's event stream (meta, delta…, done), produced in a
    worker thread: extractive answers arrive as pieces, LLM answers as tokens then the verified answer.

    Domain errors after the stream started cannot change the HTTP status: they become an error event.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def produce() -> None:
        try:
            for event in events():
                loop.call_soon_threadsafe(queue.put_nowait, event)
        except Exception as exc:  # noqa: BLE001 - handed to the consumer below
            loop.call_soon_threadsafe(queue.put_nowait, ("error", exc))

    worker = loop.run_in_executor(None, produce)
    try:
        while True:
            kind, value = await queue.get()
            if kind == "meta":
                yield sse("meta", {**meta, **{k: v for k, v in dict(value).items() if k == "mode"}})
            elif kind == "delta":
                yield sse("delta", {"text": value})
                await asyncio.sleep(pause_s)
            elif kind == "done":
                yield sse("done", await asyncio.to_thread(finish, value))
                return
            elif kind == "error":
                yield _error_frame(value, meta)
                return
    finally:
        await worker


def _error_frame(exc: object, meta: dict) -> bytes:
    if isinstance(exc, HoidapError):
        return sse("error", {"detail": str(exc), "status": exc.status})
    logging.getLogger("hoidap.api").error("stream failed: %r", exc, extra={"fields": meta})
    return sse("error", {"detail": "Lỗi máy chủ nội bộ (internal server error).", "status": 500})
