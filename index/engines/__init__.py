"""Storage engines behind ChunkStore: Qdrant Edge in-process (default) or a Qdrant server.

Both keep the same layout: a named dense vector, a named sparse vector with Qdrant's IDF
modifier, and payload indexes on every filtered field. Filters travel as a plain
`Where` mapping (field -> value, or list of values = any of them); each engine translates it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Protocol

from hoidap.settings import Settings

DENSE = "dense"
SPARSE = "sparse"
FILTER_FIELDS = {"province": "keyword", "source": "keyword", "doc_id": "keyword", "school_year": "keyword",
                 "ordinal": "integer"}
Where = dict[str, Any]


@dataclass
class StoredPoint:
    id: str
    dense: list[float] | None
    sparse: tuple[list[int], list[float]]
    payload: dict[str, Any]


class Engine(Protocol):
    def count(self, where: Where | None = None) -> int: ...
    def upsert(self, points: list[StoredPoint]) -> None: ...
    def delete(self, where: Where) -> None: ...
    def scroll(self, where: Where | None, fields: list[str] | None, with_dense: bool = False
               ) -> Iterator[tuple[str, dict, list[float] | None]]: ...
    def facet(self, field: str) -> dict[Any, int]: ...
    def query(self, sparse: tuple[list[int], list[float]], dense: list[float] | None, where: Where | None,
              limit: int, mode: str, weights: tuple[float, float]) -> list[tuple[dict, float]]: ...
    def optimize(self) -> bool: ...
    def close(self) -> None: ...


_ENGINES = {"edge": "hoidap.index.engines.edge:EdgeEngine", "server": "hoidap.index.engines.server:ServerEngine"}


def open_engine(settings: Settings) -> Engine:
    """The configured engine; its library is imported only when it is chosen."""
    module, _, name = _ENGINES[settings.engine].partition(":")
    return getattr(import_module(module), name).open(settings)


def prefetch_depth(limit: int) -> int:
    """How many candidates each ranking contributes to the fusion."""
    return max(limit * 4, 40)
