"""The state tables, as SQLAlchemy Core metadata (what the migrations build, and what Memory queries)."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

turns = Table(
    "turns", metadata,
    Column("conversation_id", Text, nullable=False),
    Column("ts", Float, nullable=False),
    Column("question", Text, nullable=False),
    Column("resolved", Text, nullable=False),
    Column("provinces", Text, nullable=False),  # JSON list
    Column("answer", Text, nullable=False),
    Index("turns_by_conversation", "conversation_id", "ts"),
)

feedback = Table(
    "feedback", metadata,
    Column("id", String(32), primary_key=True),
    Column("ts", Float, nullable=False),
    Column("channel", Text, nullable=False),
    Column("conversation_id", Text),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),  # JSON list
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
)
