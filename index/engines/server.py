"""A Qdrant server by HOIDAP_QDRANT_URL, through qdrant-client (several processes can share it).

HOIDAP_QDRANT_URL=":memory:" gives qdrant-client's in-process local mode: tests use it as a
stand-in for the server protocol, and `hoidap bench --scale` times the local mode with
`ServerEngine(QdrantClient(path=...))`. Writes go through the client directly rather than
llama-index's QdrantVectorStore so that both engines share one payload layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hoidap.errors import IndexUnavailable
from hoidap.index.engines import DENSE, FILTER_FIELDS, SPARSE, StoredPoint, Where, prefetch_depth
from hoidap.settings import Settings

_PAGE = 1000


def _models():
    from qdrant_client import models

    return models


def _where(where: Where | None):
    if not where:
        return None
    m = _models()
    must = []
    for key, value in where.items():
        match = m.MatchAny(any=list(value)) if isinstance(value, (list, tuple, set)) else m.MatchValue(value=value)
        must.append(m.FieldCondition(key=key, match=match))
    return m.Filter(must=must)


class ServerEngine:
    """One collection of a Qdrant server (or of qdrant-client's local mode)."""

    def __init__(self, client, collection: str, dim: int, payload_indexes: bool = True) -> None:
        self.client = client
        self.collection = collection
        self.dim = dim
        self.payload_indexes = payload_indexes
        self._exists: bool | None = None

    @classmethod
    def open(cls, settings: Settings) -> "ServerEngine":
        from qdrant_client import QdrantClient

        url = settings.qdrant_url or ":memory:"
        try:
            client = QdrantClient(location=url, api_key=settings.qdrant_api_key)
        except (RuntimeError, ValueError) as exc:
            raise IndexUnavailable(f"cannot reach the Qdrant server at {url}: {exc}") from exc
        return cls(client, settings.collection, settings.embedding_dim, payload_indexes=url != ":memory:")

    def exists(self) -> bool:
        if not self._exists:
            self._exists = self.client.collection_exists(self.collection)
        return self._exists

    def _create(self, dim: int) -> None:
        m = _models()
        self.client.create_collection(
            self.collection,
            vectors_config={DENSE: m.VectorParams(size=dim, distance=m.Distance.COSINE)},
            sparse_vectors_config={SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
        )
        if self.payload_indexes:  # qdrant-client's local mode has none (and warns)
            kinds = {"keyword": m.PayloadSchemaType.KEYWORD, "integer": m.PayloadSchemaType.INTEGER}
            for field, kind in FILTER_FIELDS.items():
                self.client.create_payload_index(self.collection, field, kinds[kind])
        self._exists = True

    def count(self, where: Where | None = None) -> int:
        if not self.exists():
            return 0
        return self.client.count(self.collection, count_filter=_where(where), exact=True).count

    def upsert(self, points: list[StoredPoint]) -> None:
        m = _models()
        if not self.exists():
            self._create(next((len(p.dense) for p in points if p.dense is not None), self.dim))
        out = []
        for p in points:
            vector: dict[str, Any] = {SPARSE: m.SparseVector(indices=p.sparse[0], values=p.sparse[1])}
            if p.dense is not None:
                vector[DENSE] = list(p.dense)
            out.append(m.PointStruct(id=p.id, vector=vector, payload=p.payload))
        self.client.upsert(self.collection, out, wait=True)

    def delete(self, where: Where) -> None:
        if self.exists():
            self.client.delete(self.collection, points_selector=_models().FilterSelector(filter=_where(where)), wait=True)

    def scroll(self, where: Where | None, fields: list[str] | None, with_dense: bool = False
               ) -> Iterator[tuple[str, dict, list[float] | None]]:
        if not self.exists():
            return
        offset = None
        while True:
            points, offset = self.client.scroll(
                self.collection, scroll_filter=_where(where), limit=_PAGE, offset=offset,
                with_payload=fields if fields is not None else True, with_vectors=[DENSE] if with_dense else False,
            )
            for p in points:
                dense = p.vector.get(DENSE) if with_dense and isinstance(p.vector, dict) else None
                yield str(p.id), p.payload or {}, dense
            if offset is None:
                return

    def facet(self, field: str) -> dict[Any, int]:
        if not self.exists():
            return {}
        hits = self.client.facet(self.collection, field, limit=1_000_000, exact=True).hits
        return {h.value: h.count for h in hits}

    def query(self, sparse, dense, where, limit, mode, weights) -> list[tuple[dict, float]]:
        if not self.exists():
            return []
        m = _models()
        flt = _where(where)
        keyword = m.SparseVector(indices=sparse[0], values=sparse[1])
        common = dict(limit=limit, with_payload=True)
        if mode == "hybrid" and not weights[1]:
            result = self.client.query_points(  # the fused scores of a zero-weight dense ranking, without its search
                self.collection, prefetch=[m.Prefetch(query=keyword, using=SPARSE, filter=flt, limit=prefetch_depth(limit))],
                query=m.RrfQuery(rrf=m.Rrf(k=2, weights=[weights[0]])), **common,
            )
        elif mode == "sparse" or (mode == "hybrid" and dense is None):
            result = self.client.query_points(self.collection, query=keyword, using=SPARSE, query_filter=flt, **common)
        elif mode == "dense":
            result = self.client.query_points(self.collection, query=dense, using=DENSE, query_filter=flt, **common)
        else:
            depth = prefetch_depth(limit)
            result = self.client.query_points(
                self.collection,
                prefetch=[m.Prefetch(query=keyword, using=SPARSE, filter=flt, limit=depth),
                          m.Prefetch(query=dense, using=DENSE, filter=flt, limit=depth)],
                query=m.RrfQuery(rrf=m.Rrf(k=2, weights=list(weights))),
                **common,
            )
        return [(p.payload or {}, float(p.score)) for p in result.points]

    def optimize(self) -> bool:
        """A server optimises in the background by itself."""
        return False

    def close(self) -> None:
        self.client.close()
