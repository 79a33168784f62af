"""A local stand-in of the OpenAI chat-completions API that returns scripted completions.

Each test gives a `reply(messages) -> str` function (so a scripted model can look at the
passages it was given); `delay` simulates a slow model; every request is recorded.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse


class ScriptedLLM:
    def __init__(self) -> None:
        self.reply: Callable[[list[dict]], str] = lambda messages: ""
        self.delay = 0.0
        self.status = 200
        self.requests: list[dict] = []
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self._complete)

    async def _complete(self, request: Request):
        body = await request.json()
        self.requests.append(body)
        await asyncio.sleep(self.delay)
        if self.status != 200:
            return JSONResponse({"error": {"message": "scripted failure"}}, status_code=self.status)
        content = self.reply(body["messages"])
        if body.get("stream"):
            return StreamingResponse(self._chunks(content, body), media_type="text/event-stream")
        return {
            "id": "cmpl-1", "object": "chat.completion", "created": int(time.time()), "model": body.get("model", "m"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    async def _chunks(self, content: str, body: dict):
        words = content.split(" ")
        for i, word in enumerate(words):
            delta = word if i == len(words) - 1 else word + " "
            chunk = {
                "id": "cmpl-1", "object": "chat.completion.chunk", "created": int(time.time()), "model": body.get("model", "m"),
                "choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": None}],
            }
            yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
        done = {"id": "cmpl-1", "object": "chat.completion.chunk", "created": int(time.time()), "model": "m",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        yield f"data: {json.dumps(done)}\n\n"
        yield "data: [DONE]\n\n"


def passage_with(messages: list[dict], needle: str) -> int:
    """The number of the passage whose text contains `needle` (as a scripted model would cite)."""
    user = next(m["content"] for m in messages if m["role"] == "user")
    for block in user.split("<doan so=")[1:]:
        number, rest = block.split('"', 2)[1], block
        if needle in rest.split("</doan>")[0]:
            return int(number)
    raise AssertionError(f"no passage holds {needle!r}")
