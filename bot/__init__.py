"""The Telegram bot of hoidap (python-telegram-bot v22): `hoidap bot`, or inside the API by webhook."""
