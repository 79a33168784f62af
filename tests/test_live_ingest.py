"""Ingestion as a user runs it, in real processes: killed with SIGKILL half-way and re-run, and
`hoidap ingest` handing a new plan to a running `hoidap serve` (keywords-only mode keeps it quick)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hoidap.index.store import ChunkStore
from hoidap.ingest.chunking import chunk_document
from hoidap.ingest.parse import parse_document
from hoidap.settings import SAMPLE_CORPUS, Settings
from tests.conftest import LAI_CHAU, SAMPLE, free_port

HOIDAP = [sys.executable, "-m", "hoidap.cli"]


def _env(data: Path, **extra: str) -> dict:
    return dict(os.environ, HOIDAP_DATA_DIR=str(data), HOIDAP_QDRANT_URL="", HOIDAP_RETRIEVAL_MODE="sparse",
                HOIDAP_API_KEY="", HOIDAP_TELEGRAM_TOKEN="", **extra)


def _expected_chunks(folder: Path) -> dict[str, int]:
    return {p.name: len(chunk_document(parse_document(p), Settings().chunk_max_chars)) for p in sorted(folder.glob("*.txt"))}


def _kill_mid_ingest(data: Path, plans: Path, total: int) -> int:
    """Start `hoidap ingest` on the plans, SIGKILL it once some but not all chunks are written."""
    proc = subprocess.Popen([*HOIDAP, "ingest", str(plans)], env=_env(data, HOIDAP_EMBEDDING_BATCH_SIZE="2"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, buf = 0, b""
    while proc.poll() is None:
        buf += os.read(proc.stderr.fileno(), 256)
        done = [int(x.split(b"/")[0]) for x in buf.replace(b"\r", b"\n").split(b"|") if b"/" in x and x.split(b"/")[0].strip().isdigit()]
        seen = max(done, default=0)
        if total // 4 < seen < total:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    return seen


def _many_plans(folder: Path, copies: int) -> Path:
    """The sample plans copied under new names: a keywords-only ingest of five plans is over in a fraction of a
    second, too soon for a busy machine's reader to catch it half-way; twenty times as many take seconds. Each copy
    gets its own last line, since a plan already indexed under another name counts as renamed, not new."""
    folder.mkdir()
    for plan in sorted(SAMPLE_CORPUS.glob("*.txt")):
        for n in range(copies):
            (folder / f"{n:02d}-{plan.name}").write_text(plan.read_text(encoding="utf-8") + f"\nBản sao {n}.\n", encoding="utf-8")
    return folder


def test_an_ingest_killed_half_way_neither_loses_nor_duplicates_chunks_on_the_next_run(tmp_path):
    plans = _many_plans(tmp_path / "plans", 20)
    expected = _expected_chunks(plans)
    seen = _kill_mid_ingest(tmp_path / "data", plans, sum(expected.values()))
    assert 0 < seen < sum(expected.values()), "the ingest was not interrupted half-way"

    rerun = subprocess.run([*HOIDAP, "ingest", str(plans)], env=_env(tmp_path / "data"),
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    store = ChunkStore(Settings(data_dir=tmp_path / "data"))
    try:
        assert {d["source"]: d["chunks"] for d in store.documents()} == expected
        assert store.count() == sum(expected.values())
        ids = [pid for pid, _, _ in store.engine.scroll(None, ["source"])]
        assert len(ids) == len(set(ids)) == sum(expected.values())
    finally:
        store.close()


def test_a_plan_ingested_while_serving_is_answered_without_a_restart(tmp_path):
    data, plans = tmp_path / "data", tmp_path / "new"
    plans.mkdir()
    (plans / LAI_CHAU).write_bytes(SAMPLE[LAI_CHAU].read_bytes())
    port = free_port()
    server = subprocess.Popen([*HOIDAP, "serve", "--port", str(port), "--no-sample"], env=_env(data),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_health(url, server)
        question = {"question": "tỷ lệ huy động trẻ nhà trẻ ra lớp ở Lai Châu năm học 2024-2025"}
        assert httpx.post(f"{url}/api/ask", json=question, timeout=60).json()["abstained"]
        marker = data / "server.json"
        assert stat.S_IMODE(marker.stat().st_mode) == 0o600

        done = subprocess.run([*HOIDAP, "ingest", str(plans)], env=_env(data), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        assert url in done.stdout and f"+ {LAI_CHAU}" in done.stdout

        answer = httpx.post(f"{url}/api/ask", json=question, timeout=60).json()
        assert not answer["abstained"] and answer["citations"][0]["source"] == LAI_CHAU
        # the local token is no API key: without it the admin endpoint stays closed
        assert httpx.post(f"{url}/api/admin/ingest", files={"files": ("a.txt", b"x")}).status_code == 503
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert not (data / "server.json").exists()


def test_a_command_on_an_index_left_by_the_old_local_mode_gets_a_message_not_a_traceback(tmp_path):
    old = tmp_path / "data" / "qdrant" / "collection" / "hoidap"
    old.mkdir(parents=True)
    done = subprocess.run([*HOIDAP, "documents"], env=_env(tmp_path / "data"), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "hoidap ingest" in done.stderr and "Traceback" not in done.stderr


def _wait_health(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"hoidap serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail("hoidap serve did not start")
