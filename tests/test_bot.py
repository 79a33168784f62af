"""The Telegram bot, end to end: the real Application and handlers, long polling against a local
stand-in of the Bot API (tests/telegram_standin.py), over the session's sample index."""

from __future__ import annotations

import asyncio
import html
import itertools
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hoidap.answer.types import Answer, Citation
from hoidap.bot.app import ALLOWED_UPDATES, APOLOGY, EXPIRED, NOT_ALLOWED, TEXT_ONLY, build_application
from hoidap.bot.render import render_answer, render_passage, split_html
from hoidap.settings import Settings
from tests.telegram_standin import BOT_USER, TOKEN, BadRequest, TelegramStandin, parse_telegram_html, utf16_len

ARTIFACTS = Path(__file__).parent / "artifacts"
RATE_LIMIT = 4
_ids = itertools.count(1001)


# -- running the real Application in a thread -----------------------------------------------------
class RunningBot:
    """initialize + start + long polling, in a background event loop; stopped cleanly on exit."""

    def __init__(self, application) -> None:
        self.app = application
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _run(self, coro, timeout: float = 30.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self) -> None:
        await self.app.initialize()
        await self.app.post_init(self.app)
        await self.app.updater.start_polling(poll_interval=0, timeout=10, allowed_updates=ALLOWED_UPDATES)
        await self.app.start()

    async def _stop(self) -> None:
        if self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    def __enter__(self) -> "RunningBot":
        self.thread.start()
        self._run(self._start())
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._run(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()


def bot_settings(data_dir: Path, api: TelegramStandin, **kw) -> Settings:
    return Settings(data_dir=data_dir, telegram_token=TOKEN, telegram_base_url=api.base_url,
                    telegram_rate_limit_per_minute=kw.pop("rate", RATE_LIMIT), **kw)


@pytest.fixture(scope="module")
def api():
    with TelegramStandin() as standin:
        yield standin


@pytest.fixture(scope="module")
def settings(tmp_path_factory, api) -> Settings:
    return bot_settings(tmp_path_factory.mktemp("telegram"), api)


@pytest.fixture(scope="module")
def bot(sample_service, settings):
    with RunningBot(build_application(sample_service, settings)) as running:
        yield running


# -- chats and users ---------------------------------------------------------------------------------
def user(name: str = "Lan") -> dict:
    return {"id": next(_ids), "is_bot": False, "first_name": name, "language_code": "vi"}


def private(u: dict) -> dict:
    return {"id": u["id"], "type": "private", "first_name": u["first_name"]}


def group() -> dict:
    return {"id": -next(_ids), "type": "group", "title": "Tổ chuyên môn"}


def buttons(call) -> list[dict]:
    return [b for row in call.params.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def ask(api, chat, u, text, count=1):
    mark = api.mark()
    api.message(chat, u, text)
    return api.wait_sent(chat["id"], mark, count)


def citation(n: int, **kw) -> Citation:
    base = dict(n=n, source="x.txt", title="Kế hoạch <số 1> & phụ lục", province="Lai Châu",
                section="I. MỤC TIÊU > 1. Chỉ tiêu", text="Đoạn văn gốc có <b> và & trong đó. Câu thứ hai.",
                quote="Câu thứ hai.", score=1.0, chunk_id="c", start=0, end=10)
    return Citation(**{**base, **kw})


# -- rendering and splitting (no bot needed) -----------------------------------------------------------
def test_answer_html_escapes_document_and_user_text():
    answer = Answer(question="<b>hỏi</b> & đáp", answer="Theo <Lai Châu> & co: 32,8% [1].", abstained=False,
                    citations=[citation(1)], resolved_question="<i>hỏi</i> & đáp?")
    text = render_answer(answer, scope="A&B", echo_question=True)
    plain = parse_telegram_html(text)  # raises if Telegram would refuse it
    assert "&lt;b&gt;hỏi&lt;/b&gt; &amp; đáp" in text and "<b>[1]</b>" in text
    assert "<b>hỏi</b> & đáp" in plain and "Theo <Lai Châu> & co: 32,8% [1]." in plain
    assert "Kế hoạch <số 1> & phụ lục — Lai Châu" in plain and "Phạm vi: A&B" in plain
    passage = render_passage(citation(1).__dict__)
    assert "<b>Câu thứ hai.</b>" in passage and "có &lt;b&gt; và &amp; trong" in passage
    parse_telegram_html(passage)


def test_split_html_keeps_every_part_valid_and_under_the_limit():
    paragraph = "<b>Mục {i}</b>: tỷ lệ &amp; chỉ tiêu &lt;{i}&gt; <i>đạt 99,5%</i> trở lên. " * 3
    text = "\n\n".join(paragraph.format(i=i).strip() for i in range(120))
    text += "\n\n<b>" + ("rất dài " * 900) + "</b>"  # one paragraph longer than a message, inside <b>
    parts = split_html(text)
    assert len(parts) > 3
    for part in parts:
        assert utf16_len(part) <= 4096
        parse_telegram_html(part)  # balanced tags, whole entities
    whole = " ".join(" ".join(parse_telegram_html(p).split()) for p in parts)
    assert whole == " ".join(parse_telegram_html(text).split())
    # paragraphs are not cut while they fit: every "Mục i" paragraph lies in one part
    for i in range(120):
        assert sum(f"<b>Mục {i}</b>" in p and f"&lt;{i}&gt; <i>đạt 99,5%</i> trở lên." in p for p in parts) == 1
    # a long paragraph with no break inside a tag: cut on spaces, <b> closed and reopened
    assert parts[-1].startswith("<b>") and parts[-1].endswith("</b>")
    emoji = "😀" * 5000  # 2 UTF-16 units each, no spaces at all
    assert all(utf16_len(p) <= 4096 for p in split_html(emoji)) and "".join(split_html(emoji)) == emoji
    with pytest.raises(BadRequest):
        parse_telegram_html("<b>unclosed")


# -- the bot against the stand-in ---------------------------------------------------------------------
def test_private_question_gets_cited_html_answer_with_buttons(api, bot):
    u = user()
    chat = private(u)
    mark = api.mark()
    api.message(chat, u, "Lai Châu phấn đấu tỷ lệ huy động trẻ nhà trẻ bao nhiêu năm học 2024-2025?")
    [reply] = api.wait_sent(chat["id"], mark)
    text = reply.result["text"]
    assert reply.params["parse_mode"] == "HTML"
    assert "32,8%" in text and "[1]" in text and "Nguồn:" in text and "Lai Châu" in text
    labels = [b["text"] for b in buttons(reply)]
    data = [b["callback_data"] for b in buttons(reply)]
    assert any(label.startswith("📄 [1]") for label in labels) and "👍" in labels and "👎" in labels
    assert all(len(d.encode()) <= 64 for d in data)
    typing = [c for c in api.sent(chat["id"], mark, "sendChatAction")]
    assert typing and typing[0].params["action"] == "typing" and typing[0].ts <= reply.ts


def test_unaccented_question(api, bot):
    u = user("Minh")
    [reply] = ask(api, private(u), u, "ty le huy dong tre nha tre o Lai Chau nam hoc 2024-2025")
    assert "32,8%" in reply.result["text"] and "Lai Châu" in reply.result["text"]


def test_group_answers_only_mentions_replies_and_hoi(api, bot):
    chat, u = group(), user("Hùng")
    mark = api.mark()
    api.message(chat, u, "Lai Châu phấn đấu tỷ lệ huy động trẻ nhà trẻ bao nhiêu?")  # chatter: ignored
    asked = api.mention(chat, u, "tỷ lệ huy động trẻ nhà trẻ ở Lai Châu năm học 2024-2025?")
    [answer] = api.wait_sent(chat["id"], mark)
    assert "32,8%" in answer.result["text"] and answer.result["text"].startswith("❓")
    assert answer.params["reply_parameters"]["message_id"] == asked["message_id"]
    api.settle()
    assert len(api.sent(chat["id"], mark)) == 1

    mark = api.mark()
    api.message(chat, u, "còn Sơn La thì sao?", reply_to_message=answer.result)  # a reply to the bot
    [followup] = api.wait_sent(chat["id"], mark)
    assert "Sơn La" in followup.result["text"]

    mark = api.mark()
    api.command(chat, u, f"/hoi@{BOT_USER['username']} Ai ký kế hoạch của Bắc Ninh?")
    [signed] = api.wait_sent(chat["id"], mark)
    assert "Lê Xuân Lợi" in signed.result["text"]

    mark = api.mark()
    api.command(chat, u, "/hoi")
    [hint] = api.wait_sent(chat["id"], mark)
    assert "/hoi" in hint.result["text"]
    api.command(chat, u, "/lenh@another_bot xin chào")  # a command for another bot: ignored
    api.settle()
    assert len(api.sent(chat["id"], mark)) == 1


def test_source_and_feedback_buttons(api, bot, sample_service):
    question = "ty le huy dong tre nha tre o Lai Chau nam hoc 2024-2025"
    expected = sample_service.ask(question)
    u = user("Mai")
    chat = private(u)
    [reply] = ask(api, chat, u, question)
    source = next(b for b in buttons(reply) if b["text"].startswith("📄 [1]"))

    mark = api.mark()
    query_id = api.press(u, reply.result, source["callback_data"])
    [passage] = api.wait_sent(chat["id"], mark)
    answered = [c for c in api.calls[mark:] if c.method == "answerCallbackQuery"]
    assert answered and answered[0].params["callback_query_id"] == query_id
    quote = expected.citations[0].quote
    assert f"<b>{html.escape(quote, quote=False)}</b>" in passage.params["text"]
    assert expected.citations[0].section in passage.result["text"]
    assert passage.params["reply_parameters"]["message_id"] == reply.result["message_id"]

    before = len(sample_service.memory.feedback())
    thumbs_up = next(b for b in buttons(reply) if b["text"] == "👍")
    mark = api.mark()
    api.press(u, reply.result, thumbs_up["callback_data"])
    [thanks] = api.wait(lambda calls: [c for c in calls[mark:] if c.method == "answerCallbackQuery"], what="thanks")
    assert "Cảm ơn" in thanks.params["text"]
    [edit] = api.wait(lambda calls: [c for c in calls[mark:] if c.method == "editMessageReplyMarkup"], what="edit")
    assert any("Đã ghi nhận" in b["text"] for b in buttons(edit))
    assert any(b["text"].startswith("📄") for b in buttons(edit))  # the sources stay
    feedback = sample_service.memory.feedback()[before:]
    assert len(feedback) == 1
    item = feedback[0]
    assert item["channel"] == "telegram" and item["rating"] == 1 and item["question"] == question
    assert item["conversation_id"] == f"tg:{chat['id']}" and item["citations"][0]["province"] == "Lai Châu"

    thumbs_down = next(b for b in buttons(reply) if b["text"] == "👎")
    mark = api.mark()
    api.press(u, reply.result, thumbs_down["callback_data"])  # an old keyboard: no second vote
    [again] = api.wait(lambda calls: [c for c in calls[mark:] if c.method == "answerCallbackQuery"], what="again")
    assert "đã đánh giá" in again.params["text"] and len(sample_service.memory.feedback()) == before + 1

    for data, expected_text in (("s:Zz9_expired:1", EXPIRED), ("rác", "không còn hiệu lực")):
        mark = api.mark()
        api.press(u, reply.result, data)
        [polite] = api.wait(lambda calls: [c for c in calls[mark:] if c.method == "answerCallbackQuery"], what=data)
        assert expected_text in polite.params["text"]


def test_followup_uses_the_chat_history(api, bot, sample_service):
    u = user("Thu")
    chat = private(u)
    [first] = ask(api, chat, u, "chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Sơn La?")
    assert "Sơn La" in first.result["text"]
    [second] = ask(api, chat, u, "còn Bắc Ninh thì sao?")
    text = second.result["text"]
    assert "Hiểu là: chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Bắc Ninh?" in text
    assert "20%" in text and "Bắc Ninh" in text
    turns = sample_service.memory.history(f"tg:{chat['id']}")
    assert [t.question for t in turns] == ["chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Sơn La?", "còn Bắc Ninh thì sao?"]


def test_tinh_scopes_the_chat_to_a_province(api, bot):
    u = user("Hoa")
    chat = private(u)
    mark = api.mark()
    api.command(chat, u, "/tinh lai chau")
    [ok] = api.wait_sent(chat["id"], mark)
    assert "Lai Châu" in ok.result["text"]
    [scoped] = ask(api, chat, u, "tỷ lệ huy động trẻ nhà trẻ năm học 2024-2025?")
    assert "32,8%" in scoped.result["text"] and "Phạm vi: Lai Châu" in scoped.result["text"]
    assert {b["text"].split("] ", 1)[1] for b in buttons(scoped) if b["text"].startswith("📄")} == {"Lai Châu"}
    for command, expected in (("/tinh", "Đã bỏ giới hạn"), ("/tinh Hà Giang", "Chưa có văn bản nào của Hà Giang"),
                              ("/tinh Xứ Sở Thần Tiên", "Không nhận ra tỉnh")):
        mark = api.mark()
        api.command(chat, u, command)
        [reply] = api.wait_sent(chat["id"], mark)
        assert expected in reply.result["text"], reply.result["text"]


def test_start_help_and_sources(api, bot, sample_service):
    u = user("Nam")
    chat = private(u)
    docs = sample_service.documents()
    for command, expected in (("/start", ["Tôi đang có 5 văn bản", "Thử hỏi", "ty le huy dong tre nha tre"]),
                              ("/help", ["/tinh", "/nguon", "/hoi"]),
                              ("/nguon", [d["source"] for d in docs] + ["5 văn bản đã nạp"]),
                              ("/khong_co", ["/help"])):
        mark = api.mark()
        api.command(chat, u, command)
        [reply] = api.wait_sent(chat["id"], mark)
        for piece in expected:
            assert piece in reply.result["text"], (command, piece)


def test_long_answer_is_split_cleanly(api, bot, sample_service, monkeypatch):
    paragraphs = [f"- Ý {i}: <tỷ lệ> & chỉ tiêu năm học 2024-2025 đạt {i},5% theo kế hoạch số {i}/KH-UBND, "
                  f"kèm nhiều chi tiết để đoạn này dài hơn một chút so với bình thường. [1]" for i in range(60)]

    def long_answer(question, province=None, conversation_id=None):
        return Answer(question=question, answer="\n".join(paragraphs), abstained=False,
                      citations=[citation(1), citation(2, province="Sơn La")], conversation_id=conversation_id)

    monkeypatch.setattr(sample_service, "ask", long_answer)
    u = user("Long")
    chat = private(u)
    mark = api.mark()
    api.message(chat, u, "cho tôi mọi chỉ tiêu")
    api.wait(lambda _: any("Nguồn:" in c.result["text"] for c in api.sent(chat["id"], mark)), what="last part")
    parts = api.sent(chat["id"], mark)
    assert len(parts) >= 3
    assert all(utf16_len(p.params["text"]) <= 4096 and p.result is not None for p in parts)
    assert [bool(buttons(p)) for p in parts] == [False] * (len(parts) - 1) + [True]
    shown = "\n".join(p.result["text"] for p in parts)
    for i, paragraph in enumerate(paragraphs):  # every line whole, in order
        assert sum(paragraph in p.result["text"] for p in parts) == 1, i
    assert shown.index(paragraphs[10]) < shown.index(paragraphs[50])


def test_flood_hits_the_rate_limit_politely(api, bot):
    u = user("Nhanh")
    chat = private(u)
    mark = api.mark()
    for i in range(RATE_LIMIT + 3):
        api.message(chat, u, f"Ai ký kế hoạch của Bắc Ninh? ({i})")
    api.wait_sent(chat["id"], mark, RATE_LIMIT + 1)
    api.settle(0.8)
    replies = [c.result["text"] for c in api.sent(chat["id"], mark)]
    limited = [t for t in replies if "hỏi hơi nhanh" in t]
    assert len(limited) == 1 and f"tối đa {RATE_LIMIT} câu mỗi phút" in limited[0]
    assert len(replies) == RATE_LIMIT + 1


def test_stickers_photos_voice_and_files_get_a_polite_note(api, bot):
    u = user("Ảnh")
    chat = private(u)
    media = {
        "sticker": {"sticker": {"file_id": "s1", "file_unique_id": "us1", "width": 512, "height": 512,
                                "is_animated": False, "is_video": False, "type": "regular", "emoji": "👍"}},
        "photo": {"photo": [{"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 90}], "caption": "đây"},
        "voice": {"voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3}},
        "document": {"document": {"file_id": "d1", "file_unique_id": "ud1", "file_name": "kehoach.pdf"}},
    }
    for kind, fields in media.items():
        mark = api.mark()
        api.message(chat, u, None, **fields)
        [reply] = api.wait_sent(chat["id"], mark)
        assert reply.result["text"] == TEXT_ONLY, kind
    room = group()
    mark = api.mark()
    api.message(room, u, None, **media["sticker"])  # a sticker in a group, not addressed: ignored
    api.settle()
    assert api.sent(room["id"], mark) == []


def test_html_in_the_question_is_escaped(api, bot):
    chat, u = group(), user("Tú")
    question = "<b>tỷ lệ</b> huy động trẻ nhà trẻ & mẫu giáo ở Lai Châu năm học 2024-2025?"
    mark = api.mark()
    api.mention(chat, u, question)
    [reply] = api.wait_sent(chat["id"], mark)
    assert "&lt;b&gt;tỷ lệ&lt;/b&gt; huy động trẻ nhà trẻ &amp; mẫu giáo" in reply.params["text"]
    assert question in reply.result["text"]  # shown literally, as the user typed it
    v = user("Vi")
    [private_reply] = ask(api, private(v), v, "<b>Ai</b> ký kế hoạch & quyết định của Bắc Ninh?")
    assert "Bắc Ninh" in private_reply.result["text"] and "[1]" in private_reply.result["text"]


def test_engine_error_apologises_and_logs_the_update_id(api, bot, sample_service, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(sample_service, "ask", broken)
    caplog.set_level(logging.ERROR, logger="hoidap.bot")
    u = user("Lỗi")
    chat = private(u)
    mark = api.mark()
    api.message(chat, u, "chỉ tiêu năm học?")
    update_id = api.last_update_id
    [reply] = api.wait_sent(chat["id"], mark)
    assert reply.result["text"] == APOLOGY
    api.wait(lambda _: any(f"update {update_id}" in r.getMessage() for r in caplog.records), what="log line")
    record = next(r for r in caplog.records if f"update {update_id}" in r.getMessage())
    assert "index exploded" in record.getMessage()


def test_malformed_updates_do_not_stop_the_bot(api, bot, caplog):
    caplog.set_level(logging.ERROR, logger="hoidap.bot")
    bad = api.push({"message": {"text": "thiếu chat, ngày và mã tin"}})
    api.push({"poll": {"id": "1", "question": "?", "options": [], "total_voter_count": 0, "is_closed": False,
                       "is_anonymous": True, "type": "regular", "allows_multiple_answers": False}})
    room = group()
    api.message(room, None, "@hoidap_test_bot Ai ký kế hoạch của Bắc Ninh?",  # no sender (anonymous admin)
                entities=[{"type": "mention", "offset": 0, "length": 16}])
    u = user("Sau")
    [reply] = ask(api, private(u), u, "Ai ký kế hoạch của Bắc Ninh?")
    assert "Lê Xuân Lợi" in reply.result["text"]
    api.wait_sent(room["id"], 0)
    assert any(f"update {bad} is malformed" in r.getMessage() for r in caplog.records)


def test_allow_list_refuses_private_chats_and_ignores_groups(api, bot, settings):
    insider, outsider = user("Trong"), user("Ngoài")
    room = group()
    settings.telegram_allowed_chats = [insider["id"]]
    try:
        mark = api.mark()
        api.message(private(outsider), outsider, "Ai ký kế hoạch của Bắc Ninh?")
        api.message(private(outsider), outsider, "còn Sơn La?")
        api.mention(room, outsider, "Ai ký kế hoạch của Bắc Ninh?")
        [answer] = ask(api, private(insider), insider, "Ai ký kế hoạch của Bắc Ninh?")
        assert "Lê Xuân Lợi" in answer.result["text"]
        api.settle()
        assert [c.result["text"] for c in api.sent(outsider["id"], mark)] == [NOT_ALLOWED]
        assert api.sent(room["id"], mark) == []
    finally:
        settings.telegram_allowed_chats = []


def test_restart_keeps_scope_buttons_and_history(sample_service, tmp_path):
    u = user("Bền")
    chat = private(u)
    with TelegramStandin() as api:
        settings = bot_settings(tmp_path, api)
        with RunningBot(build_application(sample_service, settings)):
            mark = api.mark()
            api.command(chat, u, "/tinh Lai Châu")
            api.wait_sent(chat["id"], mark)
            [before] = ask(api, chat, u, "chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Sơn La?")
        with RunningBot(build_application(sample_service, settings)):
            mark = api.mark()
            api.press(u, before.result, buttons(before)[0]["callback_data"])  # a button from before the restart
            [passage] = api.wait_sent(chat["id"], mark)
            assert passage.result["text"].startswith("📄 [1]") and "Sơn La" in passage.result["text"]
            [after] = ask(api, chat, u, "còn Bắc Ninh thì sao?")
            assert "Bắc Ninh" in after.result["text"] and "Phạm vi: Lai Châu" in after.result["text"]
            assert "Hiểu là: chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Bắc Ninh?" in after.result["text"]


def test_webhook_route_feeds_the_application(sample_service, tmp_path):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from hoidap.bot.webhook import SECRET_HEADER, WEBHOOK_PATH, attach, webhook_secret

    with TelegramStandin() as api:
        settings = bot_settings(tmp_path, api, telegram_webhook_url="https://hoidap.example.org/telegram/webhook")
        app = FastAPI()
        attach(app, sample_service, settings)
        u = user("Web")
        chat = private(u)
        update = {"update_id": 77, "message": {"message_id": 1, "date": 1700000000, "chat": chat, "from": u,
                                               "text": "Ai ký kế hoạch của Bắc Ninh?"}}
        with TestClient(app) as client:
            [hook] = api.wait(lambda calls: [c for c in calls if c.method == "setWebhook"], what="setWebhook")
            assert hook.params["url"] == settings.telegram_webhook_url
            secret = hook.params["secret_token"]
            assert secret == webhook_secret(TOKEN) and TOKEN not in secret
            assert client.post(WEBHOOK_PATH, json=update).status_code == 403
            assert client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: "wrong"}).status_code == 403
            headers = {SECRET_HEADER: secret}
            assert client.post(WEBHOOK_PATH, content=b"{not json", headers=headers).status_code == 400
            assert client.post(WEBHOOK_PATH, json={"update_id": 78, "message": {}}, headers=headers).status_code == 200
            assert client.post(WEBHOOK_PATH, json=update, headers=headers).status_code == 200
            [reply] = api.wait_sent(chat["id"], 0)
            assert "Lê Xuân Lợi" in reply.result["text"]
            assert not [c for c in api.calls if c.method == "getUpdates"]


def test_bot_command_without_token_is_a_clear_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HOIDAP_TELEGRAM_TOKEN"}
    env["HOIDAP_DATA_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "hoidap", "bot"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert "HOIDAP_TELEGRAM_TOKEN" in result.stderr and "BotFather" in result.stderr
    assert "Traceback" not in result.stderr


def test_sample_conversation_transcript(api, bot):
    """A short conversation, written to tests/artifacts/telegram_transcript.txt as the stand-in saw it."""
    u = user("Lan")
    chat = private(u)
    mark = api.mark()
    api.command(chat, u, "/start")
    api.wait_sent(chat["id"], mark)
    [answer] = ask(api, chat, u, "ty le huy dong tre nha tre o Lai Chau nam hoc 2024-2025")
    mark = api.mark()
    api.press(u, answer.result, buttons(answer)[0]["callback_data"])
    api.wait_sent(chat["id"], mark)
    [first] = ask(api, chat, u, "chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Sơn La?")
    [followup] = ask(api, chat, u, "còn Bắc Ninh thì sao?")
    mark = api.mark()
    api.press(u, followup.result, next(b for b in buttons(followup) if b["text"] == "👍")["callback_data"])
    api.wait(lambda calls: [c for c in calls[mark:] if c.method == "editMessageReplyMarkup"], what="vote")
    transcript = api.transcript({chat["id"]})
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "telegram_transcript.txt").write_text(transcript + "\n", encoding="utf-8")
    assert "👤 Lan" in transcript and "🤖 bot:" in transcript and "32,8%" in transcript and "20%" in transcript


# -- generated answers stream into one draft message ---------------------------------------------------
def test_generated_answer_streams_by_editing_a_draft_then_shows_the_verified_text(sample_service, api, tmp_path):
    from tests.conftest import LiveServer
    from tests.openai_standin import ScriptedLLM, passage_with

    llm = ScriptedLLM()
    llm.reply = lambda m: (
        "Lai Châu phấn đấu tỷ lệ huy động trẻ nhà trẻ đạt 32,8% trong năm học 2024-2025, "
        "theo phụ lục chỉ tiêu của kế hoạch năm học "
        f"[{passage_with(m, '32,8%')}]. Con số năm sau là 77% [1]."
    )
    with LiveServer(llm.app) as server:
        service = sample_service.derive(llm_base_url=f"{server.url}/v1", llm_model="scripted", llm_timeout_s=5)
        llm.delay = 0.0
        slow_stream = llm._chunks

        async def paced(content, body):  # a model typing: ~20 tokens over ~2.5 s
            async for chunk in slow_stream(content, body):
                await asyncio.sleep(0.12)
                yield chunk

        llm._chunks = paced
        with RunningBot(build_application(service, bot_settings(tmp_path, api))):
            u = user("Hoa")
            chat = private(u)
            mark = api.mark()
            api.message(chat, u, "Lai Châu phấn đấu tỷ lệ huy động trẻ nhà trẻ năm học 2024-2025 là bao nhiêu?")
            final = api.wait(
                lambda calls: [c for c in calls[mark:] if c.method == "editMessageText" and c.params.get("reply_markup")],
                timeout=40, what="the final edit with buttons",
            )[-1]
    drafts = [c for c in api.calls[mark:] if c.method in ("sendMessage", "editMessageText") and "▌" in c.params.get("text", "")]
    assert len(drafts) >= 2  # shown progressively
    assert "77%" not in final.params["text"] and "32,8%" in final.params["text"]  # verified at the end
    assert "[1]" in final.params["text"] and buttons(final)
