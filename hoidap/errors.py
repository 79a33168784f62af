"""Specific exceptions raised by the core; the edges (CLI, API, bot) translate them."""


class HoidapError(Exception):
    """Base class for errors a user can act on."""


class InvalidQuestion(HoidapError):
    """The question is empty, too long or otherwise unusable."""


class IndexUnavailable(HoidapError):
    """The index cannot be opened (locked by another process, server down, ...)."""


class DocumentNotFound(HoidapError):
    """No indexed document has the given id or file name."""


class EmbeddingModelError(HoidapError):
    """The configured embedding model cannot be loaded offline."""


class StateUnavailable(HoidapError):
    """The state database (conversations, feedback) cannot be reached or migrated."""
