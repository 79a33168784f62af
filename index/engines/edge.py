"""Qdrant Edge: Qdrant's own segment code (HNSW, sparse inverted index with IDF, payload
indexes, WAL) running inside this process, persisted under HOIDAP_DATA_DIR/index.

llama-index has no vector store for Edge, so points are written here directly; the
payload layout is shared with the server engine (see hoidap.index.store).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hoidap.errors import IndexUnavailable
from hoidap.index.engines import DENSE, FILTER_FIELDS, SPARSE, StoredPoint, Where, prefetch_depth
from hoidap.settings import Settings

_PAGE = 1000


def _qe():
    import qdrant_edge

    return qdrant_edge


def check_not_legacy(settings: Settings) -> None:
    """An index folder left by qdrant-client's local mode cannot be read by Edge: say how to rebuild."""
    old = settings.data_dir / "qdrant"
    if (old / "meta.json").exists() or (old / "collection").is_dir():
        raise IndexUnavailable(
            f"{old} holds an index made by an older hoidap (qdrant-client local mode), which this version "
            f"no longer reads. Rebuild it: rm -rf {old} && hoidap ingest <your plans folder> "
            "(or just `hoidap serve`, which re-indexes the bundled sample plans)."
        )


def _where(where: Where | None):
    if not where:
        return None
    qe = _qe()
    must = []
    for key, value in where.items():
        match = qe.MatchAny(list(value)) if isinstance(value, (list, tuple, set)) else qe.MatchValue(value)
        must.append(qe.FieldCondition(key, match=match))
    return qe.Filter(must=must)


class EdgeEngine:
    """One Edge shard; created on the first write, when the dense dimension is known."""

    def __init__(self, path: Path, dim: int) -> None:
        self.path = path
        self.dim = dim
        self._lock = _lock(path)
        try:
            self.shard = self._load() if (path / "edge_config.json").exists() else None
        except IndexUnavailable:
            self._lock.close()
            raise

    @classmethod
    def open(cls, settings: Settings) -> "EdgeEngine":
        check_not_legacy(settings)
        return cls(settings.index_path, settings.embedding_dim)

    def _load(self):
        try:
            return _qe().EdgeShard.load(str(self.path))
        except Exception as exc:  # qdrant_edge raises plain Exception; the WAL lock is the usual cause
            raise IndexUnavailable(_busy(self.path, exc)) from exc

    def _create(self, dim: int):
        qe = _qe()
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        try:
            shard = qe.EdgeShard.create(str(self.path), config)
        except Exception as exc:  # noqa: BLE001 - see _load
            raise IndexUnavailable(_busy(self.path, exc)) from exc
        types = {"keyword": qe.PayloadSchemaType.Keyword, "integer": qe.PayloadSchemaType.Integer}
        for field, kind in FILTER_FIELDS.items():
            shard.update(qe.UpdateOperation.create_field_index(field, types[kind]))
        return shard

    def count(self, where: Where | None = None) -> int:
        if self.shard is None:
            return 0
        return self.shard.count(_qe().CountRequest(filter=_where(where)))

    def upsert(self, points: list[StoredPoint]) -> None:
        qe = _qe()
        if self.shard is None:
            dim = next((len(p.dense) for p in points if p.dense is not None), self.dim)
            self.shard = self._create(dim)
        out = []
        for p in points:
            vector: dict[str, Any] = {SPARSE: qe.SparseVector(*p.sparse)}
            if p.dense is not None:
                vector[DENSE] = list(p.dense)
            out.append(qe.Point(p.id, vector, p.payload))
        self.shard.update(qe.UpdateOperation.upsert_points(out))

    def delete(self, where: Where) -> None:
        if self.shard is not None:
            self.shard.update(_qe().UpdateOperation.delete_points_by_filter(_where(where)))

    def scroll(self, where: Where | None, fields: list[str] | None, with_dense: bool = False
               ) -> Iterator[tuple[str, dict, list[float] | None]]:
        if self.shard is None:
            return
        qe = _qe()
        offset = None
        while True:
            records, offset = self.shard.scroll(qe.ScrollRequest(
                offset=offset, limit=_PAGE, filter=_where(where),
                with_payload=fields if fields is not None else True, with_vector=[DENSE] if with_dense else False,
            ))
            for r in records:
                dense = (r.vector or {}).get(DENSE) if with_dense else None
                yield str(r.id), r.payload or {}, dense
            if offset is None:
                return

    def facet(self, field: str) -> dict[Any, int]:
        if self.shard is None:
            return {}
        hits = self.shard.facet(_qe().FacetRequest(field, limit=1_000_000, exact=True)).hits
        return {_facet_value(h.value): h.count for h in hits}

    def query(self, sparse, dense, where, limit, mode, weights) -> list[tuple[dict, float]]:
        if self.shard is None:
            return []
        qe = _qe()
        flt = _where(where)
        keyword = qe.Query.Nearest(qe.SparseVector(*sparse), using=SPARSE)
        if mode == "hybrid" and not weights[1]:
            request = qe.QueryRequest(  # the fused scores of a zero-weight dense ranking, without its search
                limit=limit, with_payload=True, prefetches=[qe.Prefetch(limit=prefetch_depth(limit), query=keyword, filter=flt)],
                query=qe.Fusion.Rrf(k=2, weights=[weights[0]]),
            )
        elif mode == "sparse" or (mode == "hybrid" and dense is None):
            request = qe.QueryRequest(limit=limit, query=keyword, filter=flt, with_payload=True)
        elif mode == "dense":
            request = qe.QueryRequest(limit=limit, query=qe.Query.Nearest(list(dense), using=DENSE), filter=flt,
                                      with_payload=True)
        else:
            depth = prefetch_depth(limit)
            request = qe.QueryRequest(
                limit=limit, with_payload=True,
                prefetches=[qe.Prefetch(limit=depth, query=keyword, filter=flt),
                            qe.Prefetch(limit=depth, query=qe.Query.Nearest(list(dense), using=DENSE), filter=flt)],
                query=qe.Fusion.Rrf(k=2, weights=list(weights)),
            )
        return [(p.payload or {}, float(p.score)) for p in self.shard.query(request)]

    def optimize(self) -> bool:
        return bool(self.shard.optimize()) if self.shard is not None else False

    def close(self) -> None:
        if self.shard is not None:
            self.shard.flush()
            self.shard.close()
            self.shard = None
        self._lock.close()


def _facet_value(value: Any) -> Any:
    """Facet values come back wrapped (Keyword("A")); unwrap to the plain value."""
    for attr in ("value", "_0"):
        if hasattr(value, attr):
            return getattr(value, attr)
    return value


def _lock(path: Path):
    """One process per index folder (Edge locks its WAL only once the shard exists)."""
    import fcntl

    path.mkdir(parents=True, exist_ok=True)
    handle = open(path.parent / f".{path.name}.lock", "a")  # noqa: SIM115 - held until close()
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise IndexUnavailable(_busy(path, Exception("WouldBlock"))) from exc
    return handle


def _busy(path: Path, exc: Exception) -> str:
    if "WouldBlock" in str(exc):
        return (f"the index at {path} is in use by another hoidap process. While `hoidap serve` runs, "
                "`hoidap ingest` hands files to it; other commands need it stopped "
                "(or a Qdrant server: HOIDAP_QDRANT_URL)")
    return f"cannot open the index at {path}: {exc}"
