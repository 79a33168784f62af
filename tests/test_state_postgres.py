"""Shared state in a real PostgreSQL (Debian's package, started here in a temporary folder):
the Alembic schema, bounded memory, and two `hoidap serve` replicas sharing conversations and feedback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import create_engine, inspect

from hoidap.answer.memory import Memory, Turn
from hoidap.state.db import normalise_url, revision
from tests.conftest import BAC_NINH, SON_LA
from tests.processes import PostgresServer, ServeProcess, copy_sample_index

KEY = "replica-admin-key"


@pytest.fixture(scope="module")
def postgres():
    with PostgresServer() as server:
        yield server


def test_postgres_memory_is_migrated_bounded_and_shared(postgres):
    first = Memory(postgres.url, max_turns=3, max_age_s=3600)
    second = Memory("postgresql://hoidap@127.0.0.1:%d/postgres" % postgres.port, max_turns=3, max_age_s=3600)
    assert revision(first._engine) == "0001"
    for i in range(5):
        (first if i % 2 else second).add_turn("pg-c1", Turn(f"q{i}", f"q{i}", ["Sơn La"], "a", time.time() + i * 0.001))
    first.add_turn("pg-old", Turn("stale", "stale", [], "a", time.time() - 7200))
    assert [t.question for t in second.history("pg-c1")] == ["q2", "q3", "q4"]
    assert second.history("pg-c1")[0].provinces == ["Sơn La"]
    assert second.history("pg-old") == []
    fid = second.add_feedback("telegram", "q", "a [1]", [{"source": "x.txt", "quote": "trích"}], -1, "sai", "pg-c1")
    assert [f["id"] for f in first.feedback()][-1] == fid
    first.close()
    second.close()


def test_a_state_file_from_before_alembic_keeps_its_rows(tmp_path):
    """The old CREATE TABLE schema is the baseline revision: stamped, then upgraded, nothing lost."""
    path = tmp_path / "state.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE turns (conversation_id TEXT NOT NULL, ts REAL NOT NULL, question TEXT NOT NULL,
            resolved TEXT NOT NULL, provinces TEXT NOT NULL, answer TEXT NOT NULL);
        CREATE INDEX turns_by_conversation ON turns (conversation_id, ts);
        CREATE TABLE feedback (id TEXT PRIMARY KEY, ts REAL NOT NULL, channel TEXT NOT NULL, conversation_id TEXT,
            question TEXT NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL, rating INTEGER NOT NULL,
            comment TEXT NOT NULL DEFAULT '');
    """)
    old.execute("INSERT INTO feedback VALUES ('f1', 1.0, 'web', NULL, 'q', 'a', '[]', 1, '')")
    old.execute("INSERT INTO turns VALUES ('c1', ?, 'q', 'q', '[]', 'a')", (time.time(),))
    old.commit()
    old.close()
    memory = Memory(path)
    assert revision(memory._engine) == "0001"
    assert [f["id"] for f in memory.feedback()] == ["f1"] and len(memory.history("c1")) == 1
    memory.close()


def test_the_schema_comes_from_the_migrations(postgres):
    engine = create_engine(normalise_url(postgres.url))
    Memory(postgres.url).close()
    assert {"turns", "feedback", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()


@pytest.fixture(scope="module")
def replicas(postgres, sample_service, tmp_path_factory):
    """Two API processes, each with its own copy of the sample index, one PostgreSQL for their state."""
    folders = [copy_sample_index(sample_service, tmp_path_factory.mktemp(name)) for name in ("one", "two")]
    env = {"HOIDAP_DATABASE_URL": postgres.url, "HOIDAP_API_KEY": KEY, "HOIDAP_RATE_LIMIT_PER_MINUTE": "1000"}
    with ServeProcess({**env, "HOIDAP_DATA_DIR": str(folders[0])}, "--no-sample") as one, \
            ServeProcess({**env, "HOIDAP_DATA_DIR": str(folders[1])}, "--no-sample") as two:
        yield one, two


def test_a_followup_on_the_other_replica_keeps_the_conversation(replicas):
    one, two = replicas
    first = httpx.post(f"{one.url}/api/ask", timeout=120, json={
        "question": "chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Sơn La?", "new_conversation": True,
    }).json()
    assert {c["source"] for c in first["citations"]} == {SON_LA}
    second = httpx.post(f"{two.url}/api/ask", timeout=120, json={
        "question": "còn Bắc Ninh thì sao?", "conversation_id": first["conversation_id"],
    }).json()
    assert second["resolved_question"] == "chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Bắc Ninh?"
    assert {c["source"] for c in second["citations"]} == {BAC_NINH} and "20%" in second["answer"]


def test_feedback_from_both_replicas_is_one_export(replicas):
    one, two = replicas
    marks = []
    for replica, rating in ((one, -1), (two, 1)):
        mark = f"góp ý từ {replica.port}"
        body = {"question": mark, "answer": "… [1]", "rating": rating, "comment": mark,
                "citations": [{"n": 1, "source": SON_LA, "quote": "ngân sách", "province": "Sơn La"}]}
        assert httpx.post(f"{replica.url}/api/feedback", json=body, timeout=30).status_code == 201
        marks.append(mark)
    for replica in (one, two):
        export = httpx.get(f"{replica.url}/api/feedback", headers={"X-API-Key": KEY}, timeout=30)
        assert export.status_code == 200
        assert all(mark in export.text for mark in marks)


def test_serve_with_an_unreachable_database_says_so_in_one_line(tmp_path):
    from tests.conftest import free_port

    url = f"postgresql://hoidap:topsecret@127.0.0.1:{free_port()}/hoidap"
    env = {**os.environ, "HOIDAP_DATA_DIR": str(tmp_path), "HOIDAP_DATABASE_URL": url}
    result = subprocess.run([sys.executable, "-m", "hoidap", "serve", "--port", str(free_port()), "--no-sample"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 2 and "state database unavailable" in result.stderr
    assert "Traceback" not in result.stderr and "topsecret" not in result.stderr
