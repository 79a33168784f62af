"""The chunk index: one named dense vector and one named sparse (keyword) vector per chunk.

ChunkStore is what answer/, api/, bot/ and eval/ use; it does not care which engine holds the
points (hoidap.index.engines: Qdrant Edge in-process by default, a Qdrant server by URL).
Searches fuse the keyword and dense rankings with a weighted RRF inside the engine.
llama-index still shapes the text that is embedded (a node's "section + paragraph" content).
"""

from __future__ import annotations

from collections.abc import Iterable

from llama_index.core.schema import MetadataMode, TextNode

from hoidap.errors import DocumentNotFound
from hoidap.index import sparse
from hoidap.index.engines import DENSE, SPARSE, Engine, StoredPoint, open_engine  # noqa: F401 - re-exported
from hoidap.models import Chunk, DocumentMetadata, Hit
from hoidap.settings import Settings

_META_FIELDS = ("title", "province", "issuer", "number", "date", "school_year", "doc_type", "signer")
# Chunk attributes stored as they are; a new plain field of Chunk is one more name here.
_CHUNK_FIELDS = ("id", "doc_id", "source", "ordinal", "text", "section", "paragraphs", "start", "end", "kind",
                 "footnotes", "content_hash", "pages", "ocr", "ocr_confidence")


def to_payload(chunk: Chunk) -> dict:
    """The stored payload of a chunk: flat fields (the filtered ones are indexed)."""
    payload = {f: getattr(chunk, f) for f in _CHUNK_FIELDS}
    payload.update({f: getattr(chunk.metadata, f) for f in _META_FIELDS})
    payload["meta_evidence"] = chunk.metadata.evidence
    payload["keyword_format"] = sparse.FORMAT
    return payload


_TIE_MARGIN = 5


def chunk_from_payload(payload: dict) -> Chunk:
    """The chunk back from its payload (the inverse of to_payload)."""
    if "_node_content" in payload and "text" not in payload:
        payload = _from_llamaindex(payload)
    fields = {f: payload[f] for f in _CHUNK_FIELDS if f in payload}
    meta = DocumentMetadata(**{f: payload.get(f, "") for f in _META_FIELDS}, evidence=payload.get("meta_evidence") or {})
    return Chunk(**fields, metadata=meta)


def _from_llamaindex(payload: dict) -> dict:
    """Payloads written by earlier versions through llama-index's QdrantVectorStore (a server
    collection keeps working without re-indexing)."""
    import json

    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    node = metadata_dict_to_node(payload)
    meta = dict(node.metadata)
    meta.update(
        id=node.node_id, doc_id=node.ref_doc_id or meta["source"], text=node.get_content(metadata_mode=MetadataMode.NONE),
        paragraphs=[int(x) for x in str(meta.get("paragraphs", "")).split(",") if x],
        footnotes=json.loads(meta.get("footnotes") or "{}"), meta_evidence=json.loads(meta.get("meta_evidence") or "{}"),
    )
    return meta


def to_node(chunk: Chunk, embedding: list[float] | None = None) -> TextNode:
    """A llama-index node whose embed/keyword content is "section path + paragraph"."""
    return TextNode(
        id_=chunk.id, text=chunk.text, metadata={"section": chunk.section}, embedding=embedding,
        metadata_template="{value}",
    )


def embed_text(chunk: Chunk) -> str:
    """The exact text embedded and keyword-indexed for a chunk."""
    return to_node(chunk).get_content(metadata_mode=MetadataMode.EMBED)


def to_point(chunk: Chunk, dense: list[float] | None) -> StoredPoint:
    return StoredPoint(chunk.id, dense, sparse.doc_vector(embed_text(chunk)), to_payload(chunk))


class ChunkStore:
    """Everything hoidap stores, behind a few domain-level methods."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or open_engine(settings)

    def close(self) -> None:
        self.engine.close()

    def count(self) -> int:
        return self.engine.count()

    def add(self, chunks: list[Chunk], embeddings: Iterable[list[float] | None] | None = None) -> None:
        """Write chunks in one batch; without embeddings only the keyword vector is stored."""
        vectors = list(embeddings) if embeddings is not None else [None] * len(chunks)
        self.engine.upsert([to_point(c, v) for c, v in zip(chunks, vectors)])

    def optimize(self) -> bool:
        """Build search structures (HNSW) over what was written; call after large batches."""
        return self.engine.optimize()

    def remove_source(self, source: str) -> None:
        """Drop whatever is stored for a file (also a half-written earlier attempt)."""
        self.engine.delete({"source": source})

    def delete_document(self, source: str) -> int:
        """Remove every chunk of a document; returns how many there were."""
        n = self.engine.count({"source": source})
        if not n:
            raise DocumentNotFound(f"no indexed document named {source!r}")
        self.remove_source(source)
        return n

    def document_hash(self, source: str) -> str | None:
        """The content hash of an indexed file, None if it is not (completely) indexed: ingestion
        writes the first chunk last, so its presence marks a complete document."""
        for _, payload, _ in self.engine.scroll({"source": source, "ordinal": 0}, ["content_hash"]):
            return payload.get("content_hash")
        return None

    def stale_keyword_sources(self) -> list[str]:
        """Documents whose keyword vectors were computed by an older `sparse.terms` (their first
        chunk, written last, carries the version)."""
        return sorted(p["source"] for _, p, _ in self.engine.scroll({"ordinal": 0}, ["source", "keyword_format"])
                      if p.get("keyword_format", 1) != sparse.FORMAT)

    def refresh_keywords(self, source: str) -> int:
        """Recompute a document's keyword vectors from its stored text, keeping its dense vectors
        (no re-embedding); the first chunk goes last, like ingestion, so an interrupted refresh
        is redone. Returns the number of chunks."""
        found = [(chunk_from_payload(p), dense) for _, p, dense in self.engine.scroll({"source": source}, None, with_dense=True)]
        found.sort(key=lambda cd: cd[0].ordinal == 0)
        for i in range(0, len(found), 256):
            self.engine.upsert([to_point(c, d) for c, d in found[i : i + 256]])
        return len(found)

    def documents(self) -> list[dict]:
        """One entry per indexed document: its metadata and number of chunks."""
        counts = self.engine.facet("source")
        out = []
        for _, payload, _ in self.engine.scroll({"ordinal": 0}, ["source", *_META_FIELDS]):
            entry = {f: payload.get(f, "") for f in ("source",) + _META_FIELDS}
            entry["chunks"] = counts.get(payload["source"], 0)
            out.append(entry)
        return sorted(out, key=lambda d: d["source"])

    def all_texts(self, sources: list[str] | None = None) -> list[str]:
        """Every chunk's section and text, or those of some files (for corpus term statistics)."""
        where = {"source": sources} if sources is not None else None
        return [f"{p.get('section', '')}\n{p.get('text', '')}" for _, p, _ in self.engine.scroll(where, ["section", "text"])]

    def chunk_with_paragraph(self, source: str, paragraph: int) -> Chunk | None:
        """The chunk of a document that holds a given paragraph (to cite where metadata came from)."""
        for _, payload, _ in self.engine.scroll({"source": source}, None):
            chunk = chunk_from_payload(payload)
            if paragraph in chunk.paragraphs:
                return chunk
        return None

    def chunks(self, source: str) -> list[Chunk]:
        """A document's chunks in reading order (its outline is read from their sections)."""
        return sorted((chunk_from_payload(p) for _, p, _ in self.engine.scroll({"source": source}, None)),
                      key=lambda c: c.ordinal)

    def provinces(self) -> set[str]:
        return {p for p in self.engine.facet("province") if p}

    def dense_vectors(self) -> Iterable[tuple[Chunk, list[float]]]:
        """Each chunk with its stored dense vector (eval reuses them instead of re-embedding)."""
        for _, payload, dense in self.engine.scroll(None, None, with_dense=True):
            if dense is not None:
                yield chunk_from_payload(payload), dense

    def search(
        self,
        text: str,
        dense: list[float] | None,
        limit: int,
        provinces: list[str] | None = None,
        mode: str = "hybrid",
        dense_weight: float | None = None,
    ) -> list[Hit]:
        """Hybrid search: keyword and dense rankings fused by weighted RRF inside the engine.

        Fused scores tie often (1/(k+rank) sums), and the engine orders ties differently from one
        process to the next; ties are broken by chunk id, over a few extra results, so the same
        question always gets the same passages (and `hoidap train` refits the same decision). dense_weight
        overrides the configured weight for one search; at 0 the keyword ranking is fused alone (same scores,
        no dense search), so `dense` may be None."""
        where = {"province": list(provinces)} if provinces else None
        weights = (self.settings.sparse_weight, self.settings.dense_weight if dense_weight is None else dense_weight)
        found = self.engine.query(sparse.query_vector(text), dense, where, limit + _TIE_MARGIN, mode, weights)
        hits = [Hit(chunk_from_payload(payload), score) for payload, score in found]
        return sorted(hits, key=lambda h: (-round(h.score, 9), h.chunk.id))[:limit]
