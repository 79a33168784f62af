"""Conversation memory and answer feedback, kept in one embedded SQLite file under
HOIDAP_DATA_DIR so a restart loses nothing. Shared by the web chat and the Telegram bot."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL,
    ts REAL NOT NULL,
    question TEXT NOT NULL,
    resolved TEXT NOT NULL,
    provinces TEXT NOT NULL,
    answer TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns (conversation_id, ts);
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY,
    ts REAL NOT NULL,
    channel TEXT NOT NULL,
    conversation_id TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
"""


@dataclass
class Turn:
    question: str
    resolved: str
    provinces: list[str]
    answer: str
    ts: float


class Memory:
    """Bounded conversation history (turns and age) plus feedback, in SQLite."""

    def __init__(self, path: Path, max_turns: int = 6, max_age_s: float = 6 * 3600) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.max_turns = max_turns
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @staticmethod
    def new_conversation_id() -> str:
        return uuid.uuid4().hex

    def history(self, conversation_id: str) -> list[Turn]:
        """Recent turns, oldest first, no older than max_age_s."""
        since = time.time() - self.max_age_s
        with self._lock:
            rows = self._db.execute(
                "SELECT question, resolved, provinces, answer, ts FROM turns WHERE conversation_id=? AND ts>=?"
                " ORDER BY ts DESC LIMIT ?",
                (conversation_id, since, self.max_turns),
            ).fetchall()
        return [Turn(q, r, json.loads(p), a, ts) for q, r, p, a, ts in reversed(rows)]

    def add_turn(self, conversation_id: str, turn: Turn) -> None:
        """Store a turn and forget what falls outside the bounds."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO turns VALUES (?,?,?,?,?,?)",
                (conversation_id, turn.ts, turn.question, turn.resolved, json.dumps(turn.provinces, ensure_ascii=False), turn.answer),
            )
            self._db.execute(
                "DELETE FROM turns WHERE conversation_id=? AND ts NOT IN "
                "(SELECT ts FROM turns WHERE conversation_id=? ORDER BY ts DESC LIMIT ?)",
                (conversation_id, conversation_id, self.max_turns),
            )
            self._db.execute("DELETE FROM turns WHERE ts<?", (time.time() - self.max_age_s,))

    def add_feedback(
        self, channel: str, question: str, answer: str, citations: list[dict], rating: int,
        comment: str = "", conversation_id: str | None = None,
    ) -> str:
        """Store a thumbs up (+1) or down (-1); returns the feedback id."""
        fid = uuid.uuid4().hex
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO feedback VALUES (?,?,?,?,?,?,?,?,?)",
                (fid, time.time(), channel, conversation_id, question, answer,
                 json.dumps(citations, ensure_ascii=False), rating, comment),
            )
        return fid

    def feedback(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, ts, channel, conversation_id, question, answer, citations, rating, comment FROM feedback ORDER BY ts"
            ).fetchall()
        keys = ("id", "ts", "channel", "conversation_id", "question", "answer", "citations", "rating", "comment")
        out = [dict(zip(keys, r)) for r in rows]
        for item in out:
            item["citations"] = json.loads(item["citations"])
        return out


def feedback_as_gold(item: dict) -> dict:
    """A feedback record in the gold-set format, so a bad answer can become an evaluation item.

    The reviewer fills in `answer`/`facts`/`type`; the cited passages are offered as evidence.
    """
    evidence = [{"doc": c["source"], "quote": c["quote"]} for c in item["citations"] if c.get("quote")]
    return {
        "id": f"fb-{item['id'][:8]}",
        "question": item["question"],
        "answer": item["answer"] if item["rating"] > 0 else "",
        "facts": [],
        "evidence": evidence,
        "province": next((c.get("province", "") for c in item["citations"]), ""),
        "type": "factoid" if evidence else "unanswerable",
        "feedback": {"rating": item["rating"], "comment": item["comment"], "channel": item["channel"]},
    }
