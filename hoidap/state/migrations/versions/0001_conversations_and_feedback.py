"""Conversation turns and answer feedback (the schema of the pre-Alembic state.sqlite).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "turns",
        sa.Column("conversation_id", sa.Text, nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("resolved", sa.Text, nullable=False),
        sa.Column("provinces", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
    )
    op.create_index("turns_by_conversation", "turns", ["conversation_id", "ts"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("conversation_id", sa.Text),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("citations", sa.Text, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_index("turns_by_conversation", table_name="turns")
    op.drop_table("turns")
