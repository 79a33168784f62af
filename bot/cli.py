"""`hoidap bot`: run the Telegram bot (long polling, or webhook inside the HTTP API)."""

from __future__ import annotations

import asyncio
import logging

import typer

from hoidap.errors import HoidapError
from hoidap.settings import get_settings

NO_TOKEN = (
    "chưa có token Telegram (HOIDAP_TELEGRAM_TOKEN). Tạo bot với @BotFather (/newbot), rồi:\n"
    "  export HOIDAP_TELEGRAM_TOKEN=123456789:AA...\n"
    "  hoidap bot"
)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"Lỗi: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _configure_logging(webhook: bool) -> None:
    """Plain log lines on stderr. In webhook mode the API configures its own logger, so only the
    bot's loggers get a handler (no duplicated API lines)."""
    fmt = logging.Formatter(LOG_FORMAT)
    if webhook:
        for name in ("hoidap.bot", "telegram"):
            logger = logging.getLogger(name)
            if not logger.handlers:
                handler = logging.StreamHandler()
                handler.setFormatter(fmt)
                logger.addHandler(handler)
                logger.setLevel(logging.INFO)
                logger.propagate = False
    else:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def run_bot(host: str = "127.0.0.1", port: int = 8000, sample: bool = True) -> None:
    """Long polling by default; with HOIDAP_TELEGRAM_WEBHOOK_URL, serve the HTTP API with the
    webhook route on HOST:PORT (put an HTTPS reverse proxy in front of it)."""
    from telegram.error import InvalidToken, NetworkError

    settings = get_settings()
    if not settings.telegram_token:
        _fail(NO_TOKEN)
    _configure_logging(webhook=bool(settings.telegram_webhook_url))
    try:
        username = asyncio.run(_preflight(settings))
    except InvalidToken:
        _fail("Telegram từ chối token HOIDAP_TELEGRAM_TOKEN; hãy kiểm tra lại token do @BotFather cấp.")
    except NetworkError as exc:
        _fail(f"không kết nối được tới Telegram ({settings.telegram_base_url}): {exc}")
    typer.echo(f"Token hợp lệ: @{username}.")

    from hoidap.answer.service import AnswerService

    service = AnswerService(settings)
    try:
        if sample:
            report = service.ensure_sample_corpus()
            if report:
                typer.echo(f"Đã nạp dữ liệu mẫu: {len(report.added)} văn bản, {report.chunks} đoạn.")
        if settings.telegram_webhook_url:
            _serve_webhook(service, settings, host, port)
        else:
            from hoidap.bot.app import ALLOWED_UPDATES, build_application

            typer.echo("Bot Telegram đang chạy (long polling). Ctrl+C để dừng.")
            build_application(service, settings).run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        _fail("Telegram từ chối token HOIDAP_TELEGRAM_TOKEN; hãy kiểm tra lại token do @BotFather cấp.")
    except NetworkError as exc:
        _fail(f"không kết nối được tới Telegram ({settings.telegram_base_url}): {exc}")
    except HoidapError as exc:
        _fail(str(exc))
    finally:
        service.close()


async def _preflight(settings) -> str:
    """getMe once before loading the index: a wrong token or no network fails fast, in one line."""
    from telegram import Bot

    async with Bot(settings.telegram_token, base_url=settings.telegram_base_url) as probe:
        return probe.username


def _serve_webhook(service, settings, host: str, port: int) -> None:
    import uvicorn

    from hoidap.api.app import create_app
    from hoidap.bot.webhook import WEBHOOK_PATH, attach

    app = create_app(service)
    attach(app, service, settings)
    typer.echo(f"Bot Telegram (webhook {settings.telegram_webhook_url}) và API trên http://{host}:{port}; "
               f"Telegram gọi POST {WEBHOOK_PATH}.")
    uvicorn.run(app, host=host, port=port, log_config=None, proxy_headers=True,
                forwarded_allow_ips=settings.forwarded_allow_ips)
