"""Conversations and feedback in a database chosen by URL (SQLite by default, PostgreSQL for
several API replicas): SQLAlchemy Core tables, and the Alembic migrations that create them."""
