"""Specific exceptions raised by the core; the edges (CLI, API, bot) translate them.

Each carries the HTTP status the API answers with, inherited down the class hierarchy (a subclass of
IndexUnavailable is a 503 too), as Starlette's HTTPException carries its own.
"""


class HoidapError(Exception):
    """Base class for errors a user can act on."""

    status: int = 400


class InvalidQuestion(HoidapError):
    """The question is empty, too long or otherwise unusable."""

    status = 422


class IndexUnavailable(HoidapError):
    """The index cannot be opened (locked by another process, server down, ...)."""

    status = 503


class DocumentNotFound(HoidapError):
    """No indexed document has the given id or file name."""

    status = 404


class EmbeddingModelError(HoidapError):
    """The configured embedding model cannot be loaded offline."""

    status = 503


class StateUnavailable(HoidapError):
    """The state database (conversations, feedback) cannot be reached or migrated."""

    status = 503
