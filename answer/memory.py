"""Conversation memory and answer feedback, kept in the state database (HOIDAP_DATABASE_URL:
a SQLite file under HOIDAP_DATA_DIR by default, PostgreSQL when several API replicas share it),
so a restart loses nothing. Shared by the web chat and the Telegram bot."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, make_url, select
from sqlalchemy.exc import SQLAlchemyError

from hoidap.errors import StateUnavailable
from hoidap.state.db import connect, sqlite_url
from hoidap.state.tables import feedback as feedback_table
from hoidap.state.tables import turns


@dataclass
class Turn:
    question: str
    resolved: str
    provinces: list[str]
    answer: str
    ts: float


class Memory:
    """Bounded conversation history (turns and age) plus feedback, in the state database.

    `location` is a database URL, or a Path to a SQLite file.
    """

    def __init__(self, location: str | Path, max_turns: int = 6, max_age_s: float = 6 * 3600) -> None:
        self.max_turns = max_turns
        self.max_age_s = max_age_s
        url = sqlite_url(location) if isinstance(location, Path) else location
        self._where = make_url(url).render_as_string(hide_password=True)
        with self._database():
            self._engine = connect(url)

    @contextmanager
    def _database(self) -> Iterator[None]:
        """Database failures become one domain error naming the database (never its password)."""
        try:
            yield
        except SQLAlchemyError as exc:
            raise StateUnavailable(
                f"Không dùng được cơ sở dữ liệu hội thoại {self._where} (state database unavailable): "
                f"{type(exc.orig or exc).__name__}"
            ) from exc

    def close(self) -> None:
        self._engine.dispose()

    @staticmethod
    def new_conversation_id() -> str:
        return uuid.uuid4().hex

    def history(self, conversation_id: str) -> list[Turn]:
        """Recent turns, oldest first, no older than max_age_s."""
        since = time.time() - self.max_age_s
        query = (
            select(turns.c.question, turns.c.resolved, turns.c.provinces, turns.c.answer, turns.c.ts)
            .where(turns.c.conversation_id == conversation_id, turns.c.ts >= since)
            .order_by(turns.c.ts.desc()).limit(self.max_turns)
        )
        with self._database(), self._engine.connect() as db:
            rows = db.execute(query).all()
        return [Turn(q, r, json.loads(p), a, ts) for q, r, p, a, ts in reversed(rows)]

    def add_turn(self, conversation_id: str, turn: Turn) -> None:
        """Store a turn and forget what falls outside the bounds."""
        row = {
            "conversation_id": conversation_id, "ts": turn.ts, "question": turn.question, "resolved": turn.resolved,
            "provinces": json.dumps(turn.provinces, ensure_ascii=False), "answer": turn.answer,
        }
        newest = (
            select(turns.c.ts).where(turns.c.conversation_id == conversation_id)
            .order_by(turns.c.ts.desc()).limit(self.max_turns)
        )
        with self._database(), self._engine.begin() as db:
            db.execute(insert(turns).values(row))
            db.execute(delete(turns).where(turns.c.conversation_id == conversation_id, turns.c.ts.not_in(newest)))
            db.execute(delete(turns).where(turns.c.ts < time.time() - self.max_age_s))

    def add_feedback(
        self, channel: str, question: str, answer: str, citations: list[dict], rating: int,
        comment: str = "", conversation_id: str | None = None,
    ) -> str:
        """Store a thumbs up (+1) or down (-1); returns the feedback id."""
        fid = uuid.uuid4().hex
        row = {
            "id": fid, "ts": time.time(), "channel": channel, "conversation_id": conversation_id,
            "question": question, "answer": answer, "citations": json.dumps(citations, ensure_ascii=False),
            "rating": rating, "comment": comment,
        }
        with self._database(), self._engine.begin() as db:
            db.execute(insert(feedback_table).values(row))
        return fid

    def feedback(self) -> list[dict]:
        """Every feedback record, oldest first (from all processes sharing the database)."""
        with self._database(), self._engine.connect() as db:
            rows = db.execute(select(feedback_table).order_by(feedback_table.c.ts)).mappings().all()
        return [{**row, "citations": json.loads(row["citations"])} for row in rows]


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
