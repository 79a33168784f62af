"""The Qdrant collection: one named dense vector, one named sparse (keyword) vector.

Writes go through llama-index's QdrantVectorStore (nodes, payload, ref-doc
deletion); searches use Qdrant's query API directly, because the fusion of the
two rankings is where this product differs: a weighted RRF computed inside Qdrant.
Embedded local mode under HOIDAP_DATA_DIR by default, a server when HOIDAP_QDRANT_URL is set.
"""

from __future__ import annotations

import json

from llama_index.core.schema import MetadataMode, NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node
from llama_index.vector_stores.qdrant import QdrantVectorStore
from qdrant_client import QdrantClient, models

from hoidap.errors import DocumentNotFound, IndexUnavailable
from hoidap.models import Chunk, DocumentMetadata, Hit
from hoidap.settings import Settings
from hoidap.index import sparse

DENSE = "dense"
SPARSE = "sparse"
_FILTER_FIELDS = {
    "province": models.PayloadSchemaType.KEYWORD,
    "source": models.PayloadSchemaType.KEYWORD,
    "doc_id": models.PayloadSchemaType.KEYWORD,
    "school_year": models.PayloadSchemaType.KEYWORD,
    "ordinal": models.PayloadSchemaType.INTEGER,
}
_META_FIELDS = ("title", "province", "issuer", "number", "date", "school_year", "doc_type", "signer")


def open_client(settings: Settings) -> QdrantClient:
    """A Qdrant client: server by URL, or embedded storage in the data folder."""
    try:
        if settings.qdrant_url:
            return QdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key)
        settings.qdrant_path.mkdir(parents=True, exist_ok=True)
        return QdrantClient(path=str(settings.qdrant_path))
    except RuntimeError as exc:  # embedded storage is locked by another process
        raise IndexUnavailable(
            f"the index at {settings.qdrant_path} is in use by another hoidap process "
            "(stop it, or run a Qdrant server and set HOIDAP_QDRANT_URL)"
        ) from exc


def to_node(chunk: Chunk, embedding: list[float] | None = None) -> TextNode:
    """A llama-index node whose embed/keyword content is "section path + paragraph"."""
    meta = {f: getattr(chunk.metadata, f) for f in _META_FIELDS}
    meta.update(
        source=chunk.source,
        section=chunk.section,
        ordinal=chunk.ordinal,
        kind=chunk.kind,
        start=chunk.start,
        end=chunk.end,
        paragraphs=",".join(map(str, chunk.paragraphs)),
        footnotes=json.dumps(chunk.footnotes, ensure_ascii=False),
        content_hash=chunk.content_hash,
        meta_evidence=json.dumps(chunk.metadata.evidence),
        pages=",".join(map(str, chunk.pages)),
        ocr=chunk.ocr,
        ocr_confidence=chunk.ocr_confidence,
    )
    node = TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata=meta,
        embedding=embedding,
        metadata_template="{value}",
        excluded_embed_metadata_keys=[k for k in meta if k != "section"],
        excluded_llm_metadata_keys=[k for k in meta if k != "section"],
    )
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.doc_id)
    return node


def embed_text(chunk: Chunk) -> str:
    """The exact text embedded and keyword-indexed for a chunk."""
    return to_node(chunk).get_content(metadata_mode=MetadataMode.EMBED)


def chunk_from_payload(payload: dict) -> Chunk:
    node = metadata_dict_to_node(payload)
    meta = node.metadata
    return Chunk(
        id=node.node_id,
        doc_id=node.ref_doc_id or meta["source"],
        source=meta["source"],
        ordinal=int(meta["ordinal"]),
        text=node.get_content(metadata_mode=MetadataMode.NONE),
        section=meta.get("section", ""),
        paragraphs=[int(x) for x in str(meta.get("paragraphs", "")).split(",") if x],
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        kind=meta.get("kind", "text"),
        metadata=DocumentMetadata(
            **{f: meta.get(f, "") for f in _META_FIELDS}, evidence=json.loads(meta.get("meta_evidence") or "{}")
        ),
        footnotes=json.loads(meta.get("footnotes") or "{}"),
        content_hash=meta.get("content_hash", ""),
        pages=[int(x) for x in str(meta.get("pages", "")).split(",") if x],
        ocr=bool(meta.get("ocr", False)),
        ocr_confidence=meta.get("ocr_confidence"),
    )


class ChunkStore:
    """Everything hoidap stores in Qdrant, behind a few domain-level methods."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.collection = settings.collection
        self.client = open_client(settings)
        self.vector_store = QdrantVectorStore(
            collection_name=self.collection,
            client=self.client,
            enable_hybrid=True,
            dense_vector_name=DENSE,
            sparse_vector_name=SPARSE,
            sparse_config=models.SparseVectorParams(modifier=models.Modifier.IDF),
            sparse_doc_fn=sparse.doc_vectors,
            sparse_query_fn=sparse.query_vectors,
            # Only a Qdrant server keeps payload indexes; the embedded mode scans payloads anyway.
            payload_indexes=[{"field_name": k, "field_schema": v} for k, v in _FILTER_FIELDS.items()]
            if settings.qdrant_url
            else None,
        )

    def close(self) -> None:
        self.client.close()

    def exists(self) -> bool:
        return self.client.collection_exists(self.collection)

    def count(self) -> int:
        return self.client.count(self.collection).count if self.exists() else 0

    def add(self, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        nodes = [to_node(c, e) for c, e in zip(chunks, embeddings)]
        self.vector_store.add(nodes)

    def delete_document(self, source: str) -> int:
        """Remove every chunk of a document; returns how many there were."""
        n = self._count_doc(source)
        if not n:
            raise DocumentNotFound(f"no indexed document named {source!r}")
        self.vector_store.delete(ref_doc_id=source)
        return n

    def _count_doc(self, source: str) -> int:
        if not self.exists():
            return 0
        flt = models.Filter(must=[_match("source", source)])
        return self.client.count(self.collection, count_filter=flt).count

    def document_hash(self, source: str) -> str | None:
        """The content hash recorded for an indexed file, None if it is not indexed."""
        first = self._first_chunks(models.Filter(must=[_match("source", source)]))
        return first[0].payload.get("content_hash") if first else None

    def documents(self) -> list[dict]:
        """One entry per indexed document: its metadata and number of chunks."""
        out = []
        for point in self._first_chunks(None):
            payload = point.payload
            entry = {f: payload.get(f, "") for f in ("source",) + _META_FIELDS}
            entry["chunks"] = self._count_doc(payload["source"])
            out.append(entry)
        return sorted(out, key=lambda d: d["source"])

    def all_texts(self) -> list[str]:
        """Every chunk's section and text (for corpus term statistics)."""
        if not self.exists():
            return []
        texts, offset = [], None
        while True:
            points, offset = self.client.scroll(self.collection, limit=1000, offset=offset, with_payload=True)
            texts += [f"{p.payload.get('section', '')}\n{chunk_from_payload(p.payload).text}" for p in points]
            if offset is None:
                return texts

    def chunk_with_paragraph(self, source: str, paragraph: int) -> Chunk | None:
        """The chunk of a document that holds a given paragraph (to cite where metadata came from)."""
        if not self.exists():
            return None
        flt = models.Filter(must=[_match("source", source)])
        points, _ = self.client.scroll(self.collection, scroll_filter=flt, limit=10_000, with_payload=True)
        for point in points:
            chunk = chunk_from_payload(point.payload)
            if paragraph in chunk.paragraphs:
                return chunk
        return None

    def provinces(self) -> set[str]:
        return {d["province"] for d in self.documents() if d["province"]}

    def _first_chunks(self, extra: models.Filter | None) -> list:
        if not self.exists():
            return []
        must = [models.FieldCondition(key="ordinal", match=models.MatchValue(value=0))]
        if extra:
            must += extra.must
        points, _ = self.client.scroll(
            self.collection, scroll_filter=models.Filter(must=must), limit=10_000, with_payload=True
        )
        return points

    def search(
        self,
        text: str,
        dense: list[float] | None,
        limit: int,
        provinces: list[str] | None = None,
        mode: str = "hybrid",
    ) -> list[Hit]:
        """Hybrid search: keyword and dense rankings fused by weighted RRF inside Qdrant."""
        if not self.exists():
            return []
        flt = models.Filter(must=[models.FieldCondition(key="province", match=models.MatchAny(any=provinces))]) if provinces else None
        ids, values = sparse.query_vector(text)
        keyword = models.SparseVector(indices=ids, values=values)
        if mode == "sparse" or (mode == "hybrid" and dense is None):
            result = self.client.query_points(self.collection, query=keyword, using=SPARSE, query_filter=flt, limit=limit, with_payload=True)
        elif mode == "dense":
            result = self.client.query_points(self.collection, query=dense, using=DENSE, query_filter=flt, limit=limit, with_payload=True)
        else:
            depth = max(limit * 4, 40)
            result = self.client.query_points(
                self.collection,
                prefetch=[
                    models.Prefetch(query=keyword, using=SPARSE, filter=flt, limit=depth),
                    models.Prefetch(query=dense, using=DENSE, filter=flt, limit=depth),
                ],
                query=models.RrfQuery(
                    rrf=models.Rrf(weights=[self.settings.sparse_weight, self.settings.dense_weight])
                ),
                limit=limit,
                with_payload=True,
            )
        return [Hit(chunk_from_payload(p.payload), float(p.score)) for p in result.points]


def _match(key: str, value: str) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))
