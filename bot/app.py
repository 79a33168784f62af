"""The Telegram bot: a python-telegram-bot (v22, asyncio) Application over the AnswerService.

Private chats: every text message is a question. Groups: the bot answers when mentioned, when a
message replies to it, or on /hoi; everything else is ignored. Answers are Telegram HTML with [n]
markers, a short source list, a 📄 button per cited paragraph and 👍 / 👎 feedback buttons (stored
with Memory.add_feedback, channel "telegram"). Follow-ups use the service's conversation memory
(conversation id "tg:<chat id>", SQLite under HOIDAP_DATA_DIR); the /tinh scope and the answers
the buttons refer to live in chat_data / bot_data, kept across restarts by a PicklePersistence
file next to it (telegram.pickle).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import weakref
from collections import OrderedDict
from contextlib import asynccontextmanager, suppress
from typing import Any, AsyncIterator

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    PicklePersistence,
    PersistenceInput,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from hoidap.bot.ratelimit import RateLimiter
from hoidap.bot.render import (
    HELP,
    as_dict,
    button_label,
    esc,
    render_answer,
    render_documents,
    render_passage,
    render_start,
    split_html,
)
from hoidap.errors import HoidapError
from hoidap.settings import Settings
from hoidap.vietnamese import find_provinces, fold

log = logging.getLogger("hoidap.bot")

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
ANSWER_CACHE_SIZE = 500  # answers the 📄 / 👍 buttons can still refer to (bot-wide, oldest dropped)
TYPING_EVERY_S = 4.0  # Telegram shows "typing…" for ~5 s per chat action
EDIT_INTERVAL_S = 1.0  # streaming drafts are edited at most this often (Telegram flood limits)
REFUSAL_EVERY_S = 600.0  # a chat outside the allow-list hears the refusal at most this often

TEXT_ONLY = "Xin lỗi, tôi chỉ hỗ trợ câu hỏi bằng văn bản. Bạn hãy gõ câu hỏi nhé."
APOLOGY = "Xin lỗi, đã có lỗi khi chuẩn bị câu trả lời. Bạn vui lòng thử lại sau ít phút."
EXPIRED = "Câu trả lời này đã cũ nên tôi không còn lưu nguồn của nó. Bạn hãy hỏi lại nhé!"
NOT_ALLOWED = "Xin lỗi, bot này chỉ phục vụ một số nhóm/người dùng được cấp phép."
RATE_LIMITED = (
    "⏳ Bạn đang hỏi hơi nhanh (tối đa {limit} câu mỗi phút). "
    "Vui lòng đợi khoảng {wait} giây rồi hỏi tiếp nhé."
)
ASK_HINT = "Hãy gõ câu hỏi sau lệnh, ví dụ: <code>/hoi tỷ lệ huy động trẻ nhà trẻ ở Lai Châu?</code>"
COMMANDS = [
    BotCommand("start", "Giới thiệu, văn bản đã nạp và câu hỏi mẫu"),
    BotCommand("hoi", "Đặt câu hỏi (dùng trong nhóm)"),
    BotCommand("tinh", "Chỉ tìm trong văn bản của một tỉnh; để trống để bỏ"),
    BotCommand("nguon", "Danh sách văn bản đã nạp"),
    BotCommand("help", "Hướng dẫn sử dụng"),
]
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


# -- updates that do not parse ----------------------------------------------------------
def sanitize_update(raw: Any) -> dict | None:
    """Bot API JSON of an update if it parses; a malformed one is logged and reduced to its
    update_id (so it is still confirmed and polling moves on); None without a usable id."""
    try:
        if Update.de_json(raw, None) is not None:
            return raw
        problem: object = "empty update"
    except Exception as exc:  # noqa: BLE001 - anything Telegram (or a caller) sends must not crash us
        problem = exc
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        log.error("Dropped a Telegram update without an update_id: %r (%s)", raw, problem)
        return None
    log.error("Telegram update %s is malformed and was skipped: %s", update_id, problem)
    return {"update_id": update_id}


def parse_update(raw: Any, bot: Any) -> Update | None:
    """An Update from Bot API JSON (webhook); see sanitize_update for malformed ones."""
    clean = sanitize_update(raw)
    return Update.de_json(clean, bot) if clean is not None else None


class LenientBot(ExtBot):
    """An ExtBot whose getUpdates skips malformed updates instead of retrying them forever
    (python-telegram-bot would log a parse error and poll the same batch again and again)."""

    async def _do_post(self, endpoint: str, data: dict, **kwargs: Any) -> Any:
        result = await super()._do_post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            return [clean for clean in map(sanitize_update, result) if clean is not None]
        return result


# -- small helpers ----------------------------------------------------------------------
@asynccontextmanager
async def typing(bot: Any, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block ends (renewed every few seconds)."""

    async def keep_typing() -> None:
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as exc:
                log.debug("sendChatAction failed: %s", exc)
            await asyncio.sleep(TYPING_EVERY_S)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def is_group(chat: Any) -> bool:
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def command_argument(message: Message) -> str:
    """What follows the command ("/hoi@bot  câu hỏi" -> "câu hỏi"), newlines kept."""
    parts = (message.text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def mentions_bot(message: Message, bot: Any) -> bool:
    username = (bot.username or "").lower()
    entities = {**(message.parse_entities() if message.text else {}),
                **(message.parse_caption_entities() if message.caption else {})}
    for entity, text in entities.items():
        if entity.type == MessageEntity.MENTION and username and text.lower() == f"@{username}":
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id:
            return True
    return False


def strip_mention(text: str, bot: Any) -> str:
    username = bot.username or ""
    if username:
        lowered, needle = text.lower(), f"@{username.lower()}"
        while needle in lowered:
            at = lowered.index(needle)
            text, lowered = text[:at] + text[at + len(needle):], lowered[:at] + lowered[at + len(needle):]
    return text.strip().lstrip(",:;-–— ").strip()


def replies_to_bot(message: Message, bot: Any) -> bool:
    reply = message.reply_to_message
    return bool(reply and reply.from_user and reply.from_user.id == bot.id)


# -- the handlers -----------------------------------------------------------------------
class HoidapBot:
    """Handlers bound to one AnswerService and the Telegram settings."""

    def __init__(self, service: Any, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.limiter = RateLimiter(settings.telegram_rate_limit_per_minute)
        self._chat_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self._refused: dict[int, float] = {}

    def install(self, app: Application) -> None:
        only_new = filters.UpdateType.MESSAGE  # edited messages are not asked again
        app.add_handler(TypeHandler(Update, self.gate), group=-1)
        app.add_handler(CommandHandler("start", self.start, filters=only_new))
        app.add_handler(CommandHandler("help", self.help, filters=only_new))
        app.add_handler(CommandHandler("hoi", self.hoi, filters=only_new))
        app.add_handler(CommandHandler("tinh", self.tinh, filters=only_new))
        app.add_handler(CommandHandler("nguon", self.nguon, filters=only_new))
        app.add_handler(MessageHandler(only_new & filters.COMMAND, self.unknown_command))
        app.add_handler(MessageHandler(only_new & filters.TEXT, self.text))
        app.add_handler(MessageHandler(only_new & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.not_text))
        app.add_handler(CallbackQueryHandler(self.button))
        app.add_error_handler(self.on_error)

    async def post_init(self, app: Application) -> None:
        log.info("Telegram bot @%s ready", app.bot.username)
        try:
            await app.bot.set_my_commands(COMMANDS)
        except TelegramError as exc:
            log.warning("setMyCommands failed: %s", exc)

    # -- gate: allow-list ------------------------------------------------------------------
    async def gate(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs before every handler. Updates without a chat are dropped; with an allow-list,
        private chats outside it get a polite refusal (at most every 10 minutes), groups outside
        it are ignored silently, and buttons pressed there get a short refusal."""
        if not isinstance(update, Update) or update.effective_chat is None:
            raise ApplicationHandlerStop
        allowed = self.settings.telegram_allowed_chats
        chat = update.effective_chat
        if not allowed or chat.id in allowed:
            return
        log.info("Update %s from chat %s outside the allow-list ignored", update.update_id, chat.id)
        try:
            if update.callback_query:
                await update.callback_query.answer(NOT_ALLOWED, show_alert=True)
            elif chat.type == ChatType.PRIVATE and update.message:
                now = time.monotonic()
                if now - self._refused.get(chat.id, -REFUSAL_EVERY_S) >= REFUSAL_EVERY_S:
                    self._refused[chat.id] = now
                    await context.bot.send_message(chat.id, NOT_ALLOWED)
        except TelegramError as exc:
            log.warning("Could not send the refusal to chat %s: %s", chat.id, exc)
        raise ApplicationHandlerStop

    # -- commands ----------------------------------------------------------------------------
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        docs = await asyncio.to_thread(self.service.documents)
        await self.send(context, update.effective_chat.id, render_start(docs))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.send(context, update.effective_chat.id, HELP)

    async def nguon(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        docs = await asyncio.to_thread(self.service.documents)
        await self.send(context, update.effective_chat.id, render_documents(docs))

    async def hoi(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        question = command_argument(update.message)
        if not question:
            await self.send(context, update.effective_chat.id, ASK_HINT, reply_to=update.message)
            return
        await self.ask(update, context, question)

    async def tinh(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/tinh <tỉnh> scopes this chat's questions to one province; /tinh alone clears it."""
        chat_id = update.effective_chat.id
        chat_data = context.chat_data if context.chat_data is not None else {}
        name = command_argument(update.message)
        known = await asyncio.to_thread(lambda: set(self.service.provinces))
        listing = ", ".join(sorted(known)) or "chưa có"
        if not name:
            previous = chat_data.pop("province", None)
            if previous:
                text = f"Đã bỏ giới hạn <b>{esc(previous)}</b>: câu hỏi sẽ tìm trong mọi văn bản."
            else:
                text = (f"Hiện không giới hạn tỉnh nào. Dùng <code>/tinh &lt;tên tỉnh&gt;</code>, ví dụ "
                        f"<code>/tinh Lai Châu</code>.\nCác tỉnh có văn bản: {esc(listing)}.")
            await self.send(context, chat_id, text)
            return
        found = find_provinces(name, known) or [p for p in known if fold(p) == fold(name)]
        if found:
            chat_data["province"] = found[0]
            text = (f"Từ giờ, câu hỏi trong cuộc trò chuyện này chỉ tìm trong văn bản của <b>{esc(found[0])}</b> "
                    "(trừ khi câu hỏi nêu tỉnh khác). Gõ /tinh để bỏ giới hạn.")
        elif find_provinces(name):
            text = (f"Chưa có văn bản nào của <b>{esc(find_provinces(name)[0])}</b>. "
                    f"Các tỉnh có văn bản: {esc(listing)}.")
        else:
            text = f"Không nhận ra tỉnh “{esc(name)}”. Các tỉnh có văn bản: {esc(listing)}."
        await self.send(context, chat_id, text)

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat.type == ChatType.PRIVATE:  # in groups it may be for another bot
            await self.send(context, update.effective_chat.id, "Tôi không biết lệnh này. Gõ /help để xem các lệnh.")

    # -- messages ------------------------------------------------------------------------------
    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message.from_user and message.from_user.is_bot:
            return
        chat = update.effective_chat
        if chat.type == ChatType.PRIVATE:
            await self.ask(update, context, message.text)
        elif mentions_bot(message, context.bot):
            question = strip_mention(message.text, context.bot)
            if question:
                await self.ask(update, context, question)
            else:
                await self.send(context, chat.id, ASK_HINT, reply_to=message)
        elif replies_to_bot(message, context.bot):
            await self.ask(update, context, message.text)

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Photos, stickers, voice, files…: a polite note (in groups only when addressed)."""
        message, chat = update.message, update.effective_chat
        if message.from_user and message.from_user.is_bot:
            return
        if chat.type != ChatType.PRIVATE and not (replies_to_bot(message, context.bot) or mentions_bot(message, context.bot)):
            return
        if self.limiter.hit(self._user_key(update)).allowed:
            await self.send(context, chat.id, TEXT_ONLY, reply_to=message if is_group(chat) else None)

    async def ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
        """Answer one question in the chat: rate limit, typing…, service.ask in a thread, render."""
        message, chat = update.message, update.effective_chat
        reply_to = message if is_group(chat) else None
        verdict = self.limiter.hit(self._user_key(update))
        if not verdict.allowed:
            if verdict.notify:
                wait = max(1, int(verdict.retry_after + 0.999))
                await self.send(context, chat.id, RATE_LIMITED.format(limit=self.limiter.limit, wait=wait),
                                reply_to=reply_to)
            return
        chat_data = context.chat_data if context.chat_data is not None else {}
        scope = chat_data.get("province")
        draft: Message | None = None
        async with self._lock(chat.id), typing(context.bot, chat.id):
            try:
                if self.service.generator is None:
                    answer = await asyncio.to_thread(self.service.ask, question, scope, f"tg:{chat.id}")
                else:
                    answer, draft = await self._stream(context, chat.id, question, scope, reply_to)
            except HoidapError as exc:  # the user can act on these (empty, too long, index down)
                await self.send(context, chat.id, f"⚠️ {esc(exc)}", reply_to=reply_to)
                return
        key = self._remember(context.bot_data, chat.id, answer)
        text = render_answer(answer, scope=scope, echo_question=is_group(chat))
        markup = self._keyboard(key, self._entry(context, key))
        if draft is not None and len(split_html(text)) == 1:
            await draft.edit_text(text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW, reply_markup=markup)
            return
        if draft is not None:
            await draft.delete()
        await self.send(context, chat.id, text, reply_to=reply_to, markup=markup)

    async def _stream(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, question: str,
                      scope: str | None, reply_to: Message | None) -> tuple[Any, Message | None]:
        """LLM tokens shown by editing one draft message (at most every EDIT_INTERVAL_S, Telegram's
        flood limits), then replaced by the verified final answer."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()

        def produce() -> None:
            try:
                for event in self.service.ask_stream(question, scope, f"tg:{chat_id}"):
                    loop.call_soon_threadsafe(queue.put_nowait, event)
            except Exception as exc:  # noqa: BLE001 - handed to the consumer, raised there
                loop.call_soon_threadsafe(queue.put_nowait, ("error", exc))

        worker = loop.run_in_executor(None, produce)
        draft: Message | None = None
        shown, partial, last_edit = "", "", 0.0
        while True:
            kind, value = await queue.get()
            if kind == "error":
                await worker
                raise value
            if kind == "done":
                await worker
                return value, draft
            if kind != "delta":
                continue
            partial += value
            now = loop.time()
            if now - last_edit >= EDIT_INTERVAL_S and partial.strip() and len(partial) < 3800 and partial != shown:
                text = esc(partial) + " ▌"
                if draft is None:
                    [draft] = await self.send(context, chat_id, text, reply_to=reply_to)
                else:
                    await draft.edit_text(text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW)
                shown, last_edit = partial, now

    # -- buttons ---------------------------------------------------------------------------------
    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """📄 shows a cited paragraph (quote in bold); 👍 / 👎 store feedback once per answer."""
        query = update.callback_query
        kind, _, rest = (query.data or "").partition(":")
        key, _, arg = rest.partition(":")
        entry = self._entry(context, key)
        chat = update.effective_chat
        if kind not in ("s", "f") or not arg:
            await query.answer("Nút này không còn hiệu lực.")
            return
        if entry is None or entry.get("chat") != chat.id:
            await query.answer(EXPIRED, show_alert=True)
            return
        if kind == "s":
            citation = next((c for c in entry["sources"] if str(c["n"]) == arg), None)
            if citation is None:
                await query.answer(EXPIRED, show_alert=True)
                return
            await query.answer()
            reply_to = query.message if query.message and query.message.message_id else None
            await self.send(context, chat.id, render_passage(citation, self.settings.public_url), reply_to=reply_to)
            return
        if arg not in ("+", "-"):
            await query.answer("Nút này không còn hiệu lực.")
            return
        if entry.get("voted"):
            await query.answer("Bạn đã đánh giá câu trả lời này rồi. Cảm ơn bạn!")
            return
        rating = 1 if arg == "+" else -1
        entry["voted"] = rating  # before the await: a double tap must not vote twice
        try:
            await asyncio.to_thread(
                self.service.memory.add_feedback, "telegram", entry["question"], entry["answer"],
                entry["citations"], rating, "", entry["conversation_id"],
            )
        except Exception:
            entry["voted"] = 0
            raise
        await query.answer("Cảm ơn bạn đã góp ý! 👍" if rating > 0 else "Cảm ơn bạn đã góp ý! Chúng tôi sẽ xem lại câu trả lời này.")
        try:
            await query.edit_message_reply_markup(self._keyboard(key, entry))
        except TelegramError as exc:  # message too old, deleted, or unchanged
            log.debug("editMessageReplyMarkup failed: %s", exc)

    # -- errors ----------------------------------------------------------------------------------
    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error with the update id; tell the user in a short apology when we can."""
        update_id = getattr(update, "update_id", None)
        log.error("Error while handling Telegram update %s: %r", update_id, context.error, exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        try:
            if update.callback_query:
                await update.callback_query.answer(APOLOGY)
            else:
                await context.bot.send_message(update.effective_chat.id, APOLOGY)
        except Exception as exc:  # noqa: BLE001 - the error handler itself must never raise
            log.warning("Could not send the apology for update %s: %s", update_id, exc)

    # -- internals -------------------------------------------------------------------------------
    async def send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, *,
                   reply_to: Message | None = None, markup: InlineKeyboardMarkup | None = None) -> list[Message]:
        """Send HTML, split under 4096 characters; the buttons go with the last part."""
        parts = split_html(text) or ["…"]
        sent = []
        for i, part in enumerate(parts):
            sent.append(await context.bot.send_message(
                chat_id, part, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW,
                reply_markup=markup if i == len(parts) - 1 else None,
                reply_parameters=ReplyParameters(reply_to.message_id, allow_sending_without_reply=True)
                if reply_to is not None and i == 0 else None,
            ))
        return sent

    def _lock(self, chat_id: int) -> asyncio.Lock:
        """One question at a time per chat, so follow-ups see the previous turn."""
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = self._chat_locks[chat_id] = asyncio.Lock()
        return lock

    @staticmethod
    def _user_key(update: Update) -> int:
        return update.effective_user.id if update.effective_user else update.effective_chat.id

    @staticmethod
    def _answers(bot_data: dict) -> OrderedDict:
        answers = bot_data.get("answers")
        if not isinstance(answers, OrderedDict):
            answers = bot_data["answers"] = OrderedDict(answers or {})
        return answers

    def _remember(self, bot_data: dict, chat_id: int, answer: Any) -> str:
        """Keep what the buttons need under a short key (callback data is limited to 64 bytes)."""
        answers = self._answers(bot_data)
        key = secrets.token_urlsafe(6)
        while key in answers:
            key = secrets.token_urlsafe(6)
        citations = [as_dict(c) for c in answer.citations]
        answers[key] = {
            "chat": chat_id,
            "question": answer.question,
            "answer": answer.answer,
            "citations": citations,
            "sources": citations or [as_dict(c) for c in answer.related],
            "conversation_id": answer.conversation_id,
            "voted": 0,
            "ts": time.time(),
        }
        while len(answers) > ANSWER_CACHE_SIZE:
            answers.popitem(last=False)
        return key

    def _entry(self, context: ContextTypes.DEFAULT_TYPE, key: str) -> dict | None:
        return self._answers(context.bot_data).get(key) if key else None

    @staticmethod
    def _keyboard(key: str, entry: dict | None) -> InlineKeyboardMarkup | None:
        if entry is None:
            return None
        buttons = [InlineKeyboardButton(button_label(c), callback_data=f"s:{key}:{c['n']}") for c in entry["sources"]]
        rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
        if entry.get("voted"):
            rows.append([InlineKeyboardButton("✓ Đã ghi nhận góp ý " + ("👍" if entry["voted"] > 0 else "👎"),
                                              callback_data=f"f:{key}:done")])
        else:
            rows.append([InlineKeyboardButton("👍", callback_data=f"f:{key}:+"),
                         InlineKeyboardButton("👎", callback_data=f"f:{key}:-")])
        return InlineKeyboardMarkup(rows)


# -- building the application ----------------------------------------------------------------
def file_base_url(base_url: str) -> str:
    """https://api.telegram.org/bot -> https://api.telegram.org/file/bot (same for a stand-in)."""
    head, sep, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if sep else base_url


def build_application(service: Any, settings: Settings, *, persistence: bool = True) -> Application:
    """The bot's Application (not started): handlers, error handler, persistence, a lenient Bot."""
    if not settings.telegram_token:
        raise ValueError("HOIDAP_TELEGRAM_TOKEN is not set")
    bot = LenientBot(
        settings.telegram_token,
        base_url=settings.telegram_base_url,
        base_file_url=file_base_url(settings.telegram_base_url),
        request=HTTPXRequest(connection_pool_size=32),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
    )
    handlers = HoidapBot(service, settings)
    builder = ApplicationBuilder().bot(bot).concurrent_updates(16).post_init(handlers.post_init)
    if persistence:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        builder = builder.persistence(PicklePersistence(
            settings.data_dir / "telegram.pickle",
            store_data=PersistenceInput(bot_data=True, chat_data=True, user_data=False, callback_data=False),
            update_interval=30,
        ))
    app = builder.build()
    handlers.install(app)
    return app
