"""Webhook mode: the bot served by a FastAPI app (the hoidap API) behind HTTPS.

    from hoidap.bot.webhook import attach
    app = create_app(service)
    if settings.telegram_token:
        attach(app, service, settings)

`attach` mounts POST /telegram/webhook, which feeds Telegram's updates to the Application through
`application.update_queue`, and runs the Application inside the app's lifespan: with
HOIDAP_TELEGRAM_WEBHOOK_URL set (the public HTTPS URL of that route) it registers the webhook with
a secret token that every request must carry; without it, `polling=True` runs long polling in the
same process instead (one process keeps the embedded index, which allows only one).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from telegram.error import InvalidToken
from telegram.ext import Application

from hoidap.bot.app import ALLOWED_UPDATES, build_application, parse_update
from hoidap.settings import Settings

log = logging.getLogger("hoidap.bot")

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_secret(token: str) -> str:
    """The secret Telegram sends back on every webhook call (derived from the token, never the token)."""
    return hashlib.sha256(f"hoidap-webhook:{token}".encode()).hexdigest()[:48]


def attach(app: FastAPI, service: Any, settings: Settings, *, polling: bool | None = None,
           application: Application | None = None) -> Application:
    """Mount POST /telegram/webhook on `app` and run the bot during the app's lifespan.

    polling: None = webhook when settings.telegram_webhook_url is set, long polling otherwise;
    False = only serve the route (updates arrive by webhook, registered elsewhere)."""
    application = application or build_application(service, settings)
    secret = webhook_secret(settings.telegram_token or "")
    use_polling = (not settings.telegram_webhook_url) if polling is None else polling

    @app.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return JSONResponse({"detail": "forbidden"}, status_code=403)
        if not application.running:
            return JSONResponse({"detail": "bot not running"}, status_code=503)
        try:
            data = await request.json()
        except ValueError:
            return JSONResponse({"detail": "malformed JSON"}, status_code=400)
        update = parse_update(data, application.bot)  # a malformed update is logged and skipped
        if update is not None:
            await application.update_queue.put(update)
        return Response(status_code=200)

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(asgi_app: Any):
        async with inner(asgi_app) as state:
            try:
                await application.initialize()
            except InvalidToken:
                log.error("Telegram rejected HOIDAP_TELEGRAM_TOKEN; check the token given by @BotFather")
                raise
            if application.post_init:
                await application.post_init(application)
            await application.start()
            if settings.telegram_webhook_url:
                await application.bot.set_webhook(settings.telegram_webhook_url, secret_token=secret,
                                                  allowed_updates=ALLOWED_UPDATES)
                log.info("Telegram webhook set to %s", settings.telegram_webhook_url)
            elif use_polling:
                await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            try:
                yield state
            finally:
                if application.updater and application.updater.running:
                    await application.updater.stop()
                if application.running:
                    await application.stop()
                await application.shutdown()

    app.router.lifespan_context = lifespan
    app.state.telegram = application
    return application
