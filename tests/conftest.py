"""Shared fixtures: one real embedded Qdrant index of the sample corpus per test session."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from hoidap.settings import SAMPLE_CORPUS, Settings

SAMPLE = {p.name: p for p in SAMPLE_CORPUS.glob("*.txt")}
SON_LA, LAI_CHAU, HOA_BINH_285, BAC_NINH, HOA_BINH_2024 = sorted(SAMPLE)


@pytest.fixture(scope="session", autouse=True)
def isolated_settings():
    """Every test sees hoidap's defaults, not the developer's HOIDAP_* variables or .env file (a
    HOIDAP_TOP_K=3 left in a shell would change answers the tests check). HOIDAP_TEST_* opt-ins stay.
    Session-scoped and autouse, so it applies before the session's index is built."""
    patch = pytest.MonkeyPatch()
    for name in [n for n in os.environ if n.startswith("HOIDAP_") and not n.startswith("HOIDAP_TEST_")]:
        patch.delenv(name)
    patch.setitem(Settings.model_config, "env_file", None)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("hoidap-data"))


@pytest.fixture(scope="session")
def sample_service(sample_settings):
    """The answering service over the ingested sample corpus (ingested once, ~45 s)."""
    from hoidap.answer.service import AnswerService

    service = AnswerService(sample_settings)
    report = service.ingest([sample_settings.sample_corpus])
    assert report.ok and len(report.added) == 5
    yield service
    service.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real uvicorn server on a free localhost port, in a background thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_api(sample_service):
    """The HTTP API over the sample index, served for real."""
    from hoidap.api.app import create_app

    app = create_app(sample_service)
    app.router.lifespan_context = _no_close  # the session fixture owns the service
    with LiveServer(app) as server:
        yield server


from contextlib import asynccontextmanager  # noqa: E402


@asynccontextmanager
async def _no_close(_app):
    yield


def corpus_text(name: str) -> str:
    return Path(SAMPLE[name]).read_text(encoding="utf-8")
