"""A local stand-in of the Telegram Bot API, for running the real bot in tests.

A stdlib HTTP server in a thread. python-telegram-bot is pointed at it with
base_url=f"{standin.base_url}" (".../bot", the token is appended). It serves getUpdates from a
queue that tests fill (long-poll friendly: waits at most ~1 s, then returns []), records every
call the bot makes, and answers like Telegram: {"ok": true, "result": ...}, Message objects for
sendMessage / editMessageText, and 400 "can't parse entities" for HTML Telegram would reject, so a
test fails if the bot ever sends broken HTML, a text over 4096 characters or callback data over
64 bytes.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs

TOKEN = "123456789:TEST-token_for-the-standin"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Hỏi đáp", "username": "hoidap_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

# Telegram's HTML parse mode: these tags, these named entities, numeric entities.
_ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                 "tg-spoiler", "span", "blockquote", "tg-emoji"}
_TOKEN = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^<>]*)>|&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);|([<&])")
_TEXT_FIELDS = {"text", "caption", "callback_query_id", "url", "secret_token", "action", "parse_mode",
                "description", "short_description", "name", "inline_message_id"}


class BadRequest(Exception):
    pass


def parse_telegram_html(text: str) -> str:
    """The plain text Telegram would show, or BadRequest where Telegram refuses the HTML."""
    out, stack, pos = [], [], 0
    for m in _TOKEN.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        closing, name, _attrs, entity, bare = m.groups()
        if bare:
            raise BadRequest(f"Bad Request: can't parse entities: unexpected {bare!r} at byte offset {m.start()}")
        if entity:
            out.append(html.unescape(f"&{entity};"))
            continue
        name = name.lower()
        if name not in _ALLOWED_TAGS:
            raise BadRequest(f"Bad Request: can't parse entities: unsupported start tag \"{name}\"")
        if not closing:
            stack.append(name)
        elif not stack or stack[-1] != name:
            raise BadRequest(f"Bad Request: can't parse entities: can't find start tag for end tag \"{name}\"")
        else:
            stack.pop()
    out.append(text[pos:])
    if stack:
        raise BadRequest(f"Bad Request: can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(out)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    method: str
    params: dict
    result: Any
    ts: float = field(default_factory=time.time)

    @property
    def chat_id(self) -> int | None:
        chat = self.params.get("chat_id")
        return int(chat) if isinstance(chat, (int, str)) and str(chat).lstrip("-").isdigit() else None


class TelegramStandin:
    """Start with `with TelegramStandin() as api:`; point the bot at api.base_url."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.log: list[tuple[str, Any]] = []  # ("update", dict) and ("call", Call), in order: the transcript
        self._updates: list[dict] = []
        self._cond = threading.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._callback_ids = itertools.count(1)
        self._query_chat: dict[str, int] = {}
        self.chats: dict[int, dict] = {}
        self.messages: dict[tuple[int, int], dict] = {}  # every message, user's and bot's
        self.webhook: dict = {"url": ""}
        self.last_update_id = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def __enter__(self) -> "TelegramStandin":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- what tests inject --------------------------------------------------------------------
    def push(self, update: dict) -> int:
        """Queue a raw update (given an update_id if it has none); returns its id."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self.log.append(("update", update))
            self._cond.notify_all()
        return update["update_id"]

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def message(self, chat: dict, user: dict, text: str | None = None, **fields: Any) -> dict:
        """A user's message update; returns the message (with its message_id)."""
        self.chats[chat["id"]] = chat
        with self._cond:
            message = {"message_id": self._next_message_id(chat["id"]), "date": int(time.time()),
                       "chat": chat, "from": user, **({"text": text} if text is not None else {}), **fields}
            self.messages[(chat["id"], message["message_id"])] = message
        self.last_update_id = self.push({"message": message})
        return message

    def mention(self, chat: dict, user: dict, text: str) -> dict:
        """A group message starting with @bot, with the mention entity Telegram would add."""
        at = f"@{BOT_USER['username']}"
        return self.message(chat, user, f"{at} {text}", entities=[{"type": "mention", "offset": 0, "length": utf16_len(at)}])

    def command(self, chat: dict, user: dict, text: str) -> dict:
        word = text.split()[0]
        return self.message(chat, user, text, entities=[{"type": "bot_command", "offset": 0, "length": utf16_len(word)}])

    def press(self, user: dict, message: dict, data: str) -> str:
        """A press on an inline button of a bot message; returns the callback query id."""
        query_id = f"cq{next(self._callback_ids)}"
        self._query_chat[query_id] = message["chat"]["id"]
        self.push({"callback_query": {"id": query_id, "from": user, "chat_instance": f"ci{message['chat']['id']}",
                                      "message": message, "data": data}})
        return query_id

    # -- what tests read --------------------------------------------------------------------------
    def wait(self, predicate: Callable[[list[Call]], Any], timeout: float = 30.0, what: str = "") -> Any:
        """Wait (bounded) until predicate(calls) is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(list(self.calls))
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    summary = "\n".join(f"  {c.method} {json.dumps(c.params, ensure_ascii=False)[:200]}" for c in self.calls[-15:])
                    raise AssertionError(f"timed out waiting for {what or predicate}; last calls:\n{summary}")
                self._cond.wait(min(left, 0.2))

    def settle(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        """Wait until the bot has made no call for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                last = self.calls[-1].ts if self.calls else 0.0
            if time.time() - last >= quiet:
                return
            time.sleep(0.05)

    def sent(self, chat_id: int, since: int = 0, method: str = "sendMessage") -> list[Call]:
        return [c for c in self.calls[since:] if c.method == method and c.chat_id == chat_id]

    def wait_sent(self, chat_id: int, since: int, count: int = 1, timeout: float = 30.0, method: str = "sendMessage") -> list[Call]:
        return self.wait(lambda _: len(self.sent(chat_id, since, method)) >= count and self.sent(chat_id, since, method),
                         timeout, f"{count} {method} to chat {chat_id}")

    def mark(self) -> int:
        return len(self.calls)

    def transcript(self, chat_ids: set[int] | None = None) -> str:
        """The conversation as the server saw it: user messages, button presses, bot replies."""
        lines = []
        for kind, item in list(self.log):
            if kind == "update":
                msg, cq = item.get("message"), item.get("callback_query")
                if msg and (chat_ids is None or (msg.get("chat") or {}).get("id") in chat_ids):
                    who = (msg.get("from") or {}).get("first_name", "?")
                    body = msg.get("text") or "<" + ", ".join(k for k in msg if k in
                                                              ("sticker", "photo", "voice", "document")) + ">"
                    lines.append(f"👤 {who} [{msg['chat']['type']}]: {body}")
                elif cq and (chat_ids is None or self._query_chat.get(cq["id"]) in chat_ids):
                    lines.append(f"👆 {cq['from']['first_name']} presses button {cq['data']!r}")
            else:
                call: Call = item
                if chat_ids is not None and call.chat_id not in chat_ids and call.method != "answerCallbackQuery":
                    continue
                if call.method == "sendMessage" and isinstance(call.result, dict):
                    lines.append("🤖 bot: " + call.result["text"].replace("\n", "\n        "))
                    for row in call.params.get("reply_markup", {}).get("inline_keyboard", []):
                        lines.append("        " + "  ".join(f"[{b['text']} → {b.get('callback_data')}]" for b in row))
                elif call.method == "answerCallbackQuery":
                    if chat_ids is None or self._query_chat.get(call.params.get("callback_query_id")) in chat_ids:
                        lines.append(f"🤖 answerCallbackQuery: {call.params.get('text', '')!r}")
                elif call.method == "editMessageReplyMarkup":
                    rows = call.params.get("reply_markup", {}).get("inline_keyboard", [])
                    lines.append("🤖 edits buttons: " + " | ".join("  ".join(b["text"] for b in row) for row in rows))
                elif call.method == "sendChatAction":
                    lines.append(f"🤖 ({call.params.get('action')}…)")
        return "\n".join(lines)

    # -- the Bot API ----------------------------------------------------------------------------
    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                prefix = f"/bot{standin.token}/"
                if not self.path.startswith(prefix):
                    return self._reply(401 if self.path.startswith("/bot") else 404,
                                       {"ok": False, "error_code": 401, "description": "Unauthorized"})
                method = self.path[len(prefix):].split("?")[0]
                params = standin._params(body, self.headers.get("Content-Type", ""))
                status, payload = standin.dispatch(method, params)
                self._reply(status, payload)

            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bot gave up on a long poll while stopping

        return Handler

    @staticmethod
    def _params(body: bytes, content_type: str) -> dict:
        if not body:
            return {}
        if "json" in content_type:
            return json.loads(body)
        params = {}
        for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
            value = values[-1]
            if key not in _TEXT_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            params[key] = value
        return params

    def dispatch(self, method: str, params: dict) -> tuple[int, dict]:
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            result: Any = BadRequest("Not Found: method not found")
        else:
            try:
                result = handler(params)
            except BadRequest as exc:
                result = exc
        call = Call(method, params, None if isinstance(result, BadRequest) else result)
        with self._cond:
            self.calls.append(call)
            self.log.append(("call", call))
            self._cond.notify_all()
        if isinstance(result, BadRequest):
            code = 404 if "Not Found" in str(result) else 400
            return code, {"ok": False, "error_code": code, "description": str(result)}
        return 200, {"ok": True, "result": result}

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 1.0)
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates[: int(params.get("limit") or 100)])
                self._cond.wait(max(0.0, deadline - time.monotonic()))

    # Bot API methods the bot uses
    def _m_getMe(self, params: dict) -> dict:
        return BOT_USER

    def _m_deleteWebhook(self, params: dict) -> bool:
        self.webhook = {"url": ""}
        return True

    def _m_setWebhook(self, params: dict) -> bool:
        self.webhook = dict(params)
        return True

    def _m_getWebhookInfo(self, params: dict) -> dict:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    def _m_setMyCommands(self, params: dict) -> bool:
        return True

    def _m_getMyCommands(self, params: dict) -> list:
        return []

    def _m_sendChatAction(self, params: dict) -> bool:
        return True

    def _m_answerCallbackQuery(self, params: dict) -> bool:
        if len(params.get("text") or "") > 200:
            raise BadRequest("Bad Request: MESSAGE_TOO_LONG")
        return True

    def _check_markup(self, params: dict) -> None:
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64 or not button.get("text"):
                    raise BadRequest("Bad Request: BUTTON_DATA_INVALID")

    def _text(self, params: dict) -> str:
        text = params.get("text") or ""
        plain = parse_telegram_html(text) if str(params.get("parse_mode", "")).upper() == "HTML" else text
        if not plain.strip():
            raise BadRequest("Bad Request: message text is empty")
        if utf16_len(plain) > 4096:
            raise BadRequest("Bad Request: message is too long")
        return plain

    def _chat(self, chat_id: Any) -> dict:
        chat_id = int(chat_id)
        return self.chats.get(chat_id, {"id": chat_id, "type": "private", "first_name": "?"})

    def _m_sendMessage(self, params: dict) -> dict:
        plain = self._text(params)
        self._check_markup(params)
        chat = self._chat(params["chat_id"])
        with self._cond:
            message = {"message_id": self._next_message_id(chat["id"]), "date": int(time.time()), "chat": chat,
                       "from": BOT_USER, "text": plain}
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            reply = (params.get("reply_parameters") or {}).get("message_id")
            if reply and (chat["id"], int(reply)) in self.messages:
                message["reply_to_message"] = self.messages[(chat["id"], int(reply))]
            self.messages[(chat["id"], message["message_id"])] = message
        return message

    def _edited(self, params: dict) -> dict:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise BadRequest("Bad Request: message to edit not found")
        message = dict(self.messages[key], edit_date=int(time.time()))
        return message

    def _m_editMessageText(self, params: dict) -> dict:
        message = self._edited(params)
        message["text"] = self._text(params)
        self._check_markup(params)
        message["reply_markup"] = params.get("reply_markup")
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def _m_editMessageReplyMarkup(self, params: dict) -> dict:
        message = self._edited(params)
        self._check_markup(params)
        message["reply_markup"] = params.get("reply_markup")
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message
