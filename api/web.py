"""The web chat: full page at /, embeddable widget at /widget.js, its stylesheet; all served by the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent / "static"

# The full page only loads its own files; a data: favicon avoids a 404 per visit.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'"
)

_ASSETS = {
    "widget.js": "text/javascript; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
    "page.css": "text/css; charset=utf-8",
}


def add_web_routes(app: FastAPI) -> None:
    """Plain files, no build step and no CDN: what is in api/static is what the browser runs."""

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(
            STATIC / "index.html", media_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"},
        )

    for name, media_type in _ASSETS.items():
        _add_asset(app, name, media_type)


def _add_asset(app: FastAPI, name: str, media_type: str) -> None:
    path = STATIC / name

    def asset() -> FileResponse:
        # Short cache: embedding sites pick up a new widget within minutes.
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=300"})

    app.add_api_route(f"/{name}", asset, methods=["GET"], include_in_schema=False, name=f"asset:{name}")
