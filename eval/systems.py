"""The systems an evaluation compares, behind one small interface.

* hoidap             the product: AnswerService (hybrid retrieval, extractive answers), in-process
* hoidap over --url  the same through a running API (/api/search, /api/ask)
* bm25               bm25s over hoidap's chunks, tokens = index.sparse.terms (folded syllables + bigrams)
* dense              the embedding model alone: cosine over hoidap's chunks (no province scoping)
* llamaindex         a plain llama-index pipeline: SimpleDirectoryReader + SentenceSplitter defaults
                     + VectorStoreIndex (in-memory) with the same embedding model, top 10
* hoidap-rules       hoidap with the older hand-set answer rules instead of the learned decision
* hoidap-oof         hoidap answering each gold question with a decision fitted without its fold
* hoidap-sparse      ablation: hoidap with retrieval_mode="sparse" (keyword channel only)
* hoidap-dense       ablation: hoidap with retrieval_mode="dense" (dense channel only)
* hoidap-nofold      ablation: keyword vectors built without accent folding (see `no_accent_folding`)
* hoidap-flatchunks  ablation: structure-aware chunking off (SentenceSplitter windows over the
                     repaired text, no section paths), still hoidap's hybrid retrieval and answerer

Everything is built inside one Workspace (a temporary folder) so a run never touches ./data.
The corpus is embedded once; baselines and ablations reuse those vectors where their texts are
the same. Heavy libraries are imported inside functions.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOP_K = 10


class EvalError(Exception):
    """A system could not be built or could not answer (reported, the run goes on)."""


@dataclass
class Passage:
    """A retrieved or cited passage, as the metrics see it."""

    doc: str
    section: str
    text: str
    score: float = 0.0
    quote: str = ""

    @property
    def content(self) -> str:
        """What relevance is judged on: section path + newline + text."""
        return f"{self.section}\n{self.text}"


@dataclass
class Reply:
    answer: str
    abstained: bool
    citations: list[Passage] = field(default_factory=list)
    mode: str = ""  # extractive | generated | fallback (as hoidap reports it)


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextlib.contextmanager
def no_accent_folding() -> Iterator[None]:
    """Keyword terms keep their diacritics while the block runs.

    index.sparse.terms folds each syllable with the module-level name `fold`; this swaps
    that one name for a plain lower-casing and restores it afterwards (no file is changed).
    Used around both index building and querying of the hoidap-nofold ablation only.
    """
    import hoidap.index.sparse as sparse

    original = sparse.fold
    sparse.fold = str.lower
    try:
        yield
    finally:
        sparse.fold = original


# ---------------------------------------------------------------------------------- workspace
class Workspace:
    """Shared, lazily built resources of one run: parsed corpus, chunks, embeddings, indexes."""

    def __init__(self, corpus: Path, data_dir: Path | None = None, progress: bool = True, log=print) -> None:
        from hoidap.settings import Settings

        self.corpus = Path(corpus)
        self.progress = progress
        self.log = log
        self._tmp = tempfile.TemporaryDirectory(prefix="hoidap-eval-")
        self.root = Path(self._tmp.name)
        # Settings come from the environment like any run of hoidap, but the index always
        # lives in our own folder, embedded (never a configured server, never ./data).
        self.settings = Settings(data_dir=Path(data_dir) if data_dir else self.root / "hoidap", qdrant_url=None)
        self._docs: list | None = None
        self._chunks: list | None = None
        self._embedding = None
        self._vectors: dict[str, list[float]] = {}
        self.ingest_info: dict[str, Any] | None = None
        self.embedded_texts = 0
        self.embed_seconds = 0.0
        self.gold: list = []  # the run's gold items (the out-of-fold system fits on them)

    def variant(self, **overrides: Any):
        return self.settings.model_copy(update=overrides)

    def close(self) -> None:
        self._tmp.cleanup()

    # -- corpus -------------------------------------------------------------------------
    def files(self) -> list[Path]:
        from hoidap.ingest.pipeline import IngestReport, collect_files

        return collect_files([self.corpus], IngestReport())

    def documents(self) -> list:
        if self._docs is None:
            from hoidap.ingest.parse import parse_document
            from hoidap.ingest.readers import UnreadableDocument

            docs = []
            for path in self.files():
                try:
                    docs.append(parse_document(path))
                except UnreadableDocument:
                    continue  # the ingest report names it
            self._docs = docs
        return self._docs

    def chunks(self) -> list:
        """hoidap's own chunks of the corpus (the same functions and size ingest uses)."""
        if self._chunks is None:
            from hoidap.ingest.chunking import chunk_document

            self._chunks = [c for d in self.documents() for c in chunk_document(d, self.settings.chunk_max_chars)]
        return self._chunks

    # -- embeddings ---------------------------------------------------------------------
    def embedding(self):
        if self._embedding is None:
            from hoidap.index.embeddings import build_embedding

            self._embedding = build_embedding(self.settings)
        return self._embedding

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Passage vectors, embedding only texts not seen before in this run."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            t0 = time.perf_counter()
            vectors = self.embedding().get_text_embedding_batch(missing, show_progress=self.progress)
            self.embed_seconds += time.perf_counter() - t0
            self.embedded_texts += len(missing)
            self._vectors.update(zip(missing, vectors))
        return [self._vectors[t] for t in texts]

    # -- the product's index ------------------------------------------------------------
    def main_index(self) -> dict[str, Any]:
        """Ingest the corpus with AnswerService once (the real pipeline), then remember its vectors."""
        if self.ingest_info is None:
            from hoidap.answer.service import AnswerService

            service = AnswerService(self.settings)
            t0 = time.perf_counter()
            report = service.ingest([self.corpus], progress=self.progress)
            wall = time.perf_counter() - t0
            try:
                self._remember_vectors(service.store)
                count = service.store.count()
            finally:
                service.close()
            self.ingest_info = {
                "data_dir": str(self.settings.data_dir),
                "files": len(report.added) + len(report.replaced) + len(report.unchanged),
                "failed": [f"{name}: {reason}" for name, reason in report.failed],
                "unchanged": len(report.unchanged),
                "new_chunks": report.chunks,
                "indexed_chunks": count,
                "seconds": {k: round(v, 3) for k, v in report.seconds.items()},
                "wall_seconds": round(wall, 3),
            }
        return self.ingest_info

    def _remember_vectors(self, store) -> None:
        from hoidap.index.store import embed_text

        for chunk, vector in store.dense_vectors():
            self._vectors[embed_text(chunk)] = list(vector)

    def build_index(self, name: str, chunks: list, wrap: Callable = _nothing):
        """A separate embedded index (for an ablation) from given chunks, vectors from the cache."""
        from hoidap.index.store import ChunkStore, embed_text

        settings = self.variant(data_dir=self.root / name)
        vectors = self.embed([embed_text(c) for c in chunks])
        with wrap():
            store = ChunkStore(settings)
            try:
                store.add(chunks, vectors)
            finally:
                store.close()
        return settings


# ------------------------------------------------------------------------------------ systems
class ServiceSystem:
    """hoidap itself (or an ablation of it), in-process through AnswerService."""

    answers = True

    def __init__(self, name: str, settings, wrap: Callable = _nothing) -> None:
        from hoidap.answer.service import AnswerService

        self.name = name
        self.wrap = wrap
        self.service = AnswerService(settings)

    def search(self, question: str, k: int) -> list[Passage]:
        with self.wrap():
            hits = self.service.search(question, k)
        return [Passage(h.chunk.source, h.chunk.section, h.chunk.text, float(h.score)) for h in hits]

    def ask(self, question: str) -> Reply:
        with self.wrap():
            answer = self.service.ask(question)
        cites = [Passage(c.source, c.section, c.text, float(c.score), c.quote) for c in answer.citations]
        return Reply(answer.answer, answer.abstained, cites, getattr(answer, "mode", ""))

    def close(self) -> None:
        self.service.close()


class HttpSystem:
    """hoidap through a running API: POST /api/search and /api/ask.

    A 429 (the server's per-client rate limit on /api/ask) is waited out as Retry-After says
    and the request repeated; the wait is reported in `last_wait` and left out of latencies.
    For a fast evaluation start the server with HOIDAP_RATE_LIMIT_PER_MINUTE=0.
    """

    answers = True
    MAX_RETRIES = 40

    def __init__(self, url: str, timeout: float = 120.0, log=None) -> None:
        import httpx

        self.name = "hoidap"
        self.url = url.rstrip("/")
        self.client = httpx.Client(base_url=self.url, timeout=timeout)
        self.last_wait = 0.0
        self.total_wait = 0.0
        self._log = log
        self._warned = False

    def _post(self, path: str, body: dict) -> dict:
        import httpx

        self.last_wait = 0.0
        for _ in range(self.MAX_RETRIES):
            try:
                response = self.client.post(path, json=body)
            except httpx.HTTPError as exc:
                raise EvalError(f"{self.url}{path}: {exc}") from exc
            if response.status_code != 429:
                break
            wait = _retry_after(response.headers.get("Retry-After"))
            if not self._warned and self._log:
                self._log(f"  {self.url} rate-limits {path}: waiting {wait:.0f} s each time it does "
                          "(start the server with HOIDAP_RATE_LIMIT_PER_MINUTE=0 to evaluate faster)")
                self._warned = True
            time.sleep(wait)
            self.last_wait += wait
            self.total_wait += wait
        if response.status_code != 200:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise EvalError(f"{path} -> HTTP {response.status_code}: {detail}")
        return response.json()

    def search(self, question: str, k: int) -> list[Passage]:
        body = self._post("/api/search", {"query": question, "top_k": k})
        return [Passage(r["source"], r.get("section", ""), r["text"], float(r.get("score", 0.0))) for r in body["results"]]

    def ask(self, question: str) -> Reply:
        body = self._post("/api/ask", {"question": question})
        cites = [
            Passage(c["source"], c.get("section", ""), c["text"], float(c.get("score", 0.0)), c.get("quote", ""))
            for c in body.get("citations", [])
        ]
        return Reply(body["answer"], bool(body["abstained"]), cites, body.get("mode", ""))

    def close(self) -> None:
        self.client.close()


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value), 0.5), 120.0) if value else 5.0
    except ValueError:
        return 5.0


class DenseBaseline:
    """The embedding model alone: cosine similarity over hoidap's chunks, the raw question."""

    answers = False
    name = "dense"

    def __init__(self, ws: Workspace) -> None:
        from hoidap.index.store import ChunkStore

        ws.main_index()
        self.embedding = ws.embedding()
        self.store = ChunkStore(ws.settings)

    def search(self, question: str, k: int) -> list[Passage]:
        vector = self.embedding.get_query_embedding(question)
        hits = self.store.search(question, vector, k, None, "dense")
        return [Passage(h.chunk.source, h.chunk.section, h.chunk.text, float(h.score)) for h in hits]

    def close(self) -> None:
        self.store.close()


class BM25Baseline:
    """bm25s (Lucene BM25) over hoidap's chunks with hoidap's keyword terms."""

    answers = False
    name = "bm25"

    def __init__(self, ws: Workspace) -> None:
        import bm25s

        from hoidap.index.sparse import terms

        self.terms = terms
        self.chunks = ws.chunks()
        self.bm25 = bm25s.BM25()
        tokens = [terms(f"{c.section}\n{c.text}") or ["_empty_"] for c in self.chunks]
        self.bm25.index(tokens, show_progress=False)
        self.vocab = {t for doc in tokens for t in doc}

    def search(self, question: str, k: int) -> list[Passage]:
        tokens = [t for t in self.terms(question) if t in self.vocab]
        if not tokens or not self.chunks:
            return []
        ids, scores = self.bm25.retrieve([tokens], k=min(k, len(self.chunks)), show_progress=False)
        out = []
        for i, score in zip(ids[0], scores[0]):
            if score <= 0:
                continue
            c = self.chunks[int(i)]
            out.append(Passage(c.source, c.section, c.text, float(score)))
        return out

    def close(self) -> None:
        pass


@dataclass
class LlamaIndexBuild:
    index: Any
    nodes: int
    seconds: dict[str, float]


def build_llamaindex(corpus: Path, embed_model, progress: bool = False) -> LlamaIndexBuild:
    """The plain llama-index pipeline; embedding is done as its own step only to time it
    (VectorStoreIndex then stores nodes that already carry their vectors)."""
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode

    from hoidap.ingest.readers import SUPPORTED_SUFFIXES

    corpus = Path(corpus)
    t0 = time.perf_counter()
    if corpus.is_dir():
        reader = SimpleDirectoryReader(input_dir=str(corpus), recursive=True, required_exts=sorted(SUPPORTED_SUFFIXES))
    else:
        reader = SimpleDirectoryReader(input_files=[str(corpus)])
    documents = reader.load_data()
    t1 = time.perf_counter()
    nodes = SentenceSplitter().get_nodes_from_documents(documents)
    t2 = time.perf_counter()
    texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
    for node, vector in zip(nodes, embed_model.get_text_embedding_batch(texts, show_progress=progress)):
        node.embedding = vector
    t3 = time.perf_counter()
    index = VectorStoreIndex(nodes, embed_model=embed_model)
    t4 = time.perf_counter()
    seconds = {"parse": t1 - t0, "chunk": t2 - t1, "embed": t3 - t2, "index": t4 - t3}
    return LlamaIndexBuild(index, len(nodes), {k: round(v, 3) for k, v in seconds.items()})


class LlamaIndexBaseline:
    answers = False
    name = "llamaindex"

    def __init__(self, ws: Workspace) -> None:
        built = build_llamaindex(ws.corpus, ws.embedding(), ws.progress)
        self.build = built
        self.retriever = built.index.as_retriever(similarity_top_k=TOP_K)

    def search(self, question: str, k: int) -> list[Passage]:
        results = self.retriever.retrieve(question)[:k]
        return [
            Passage(r.node.metadata.get("file_name", ""), "", r.node.get_content(), float(r.score or 0.0))
            for r in results
        ]

    def close(self) -> None:
        pass


def flat_chunks(docs: list, chunk_size: int = 256, chunk_overlap: int = 32) -> list:
    """Chunks without structure: SentenceSplitter windows over each repaired document text,
    no section path. 256 tokens gives about as many chunks, of about the same length, as
    hoidap's own chunking on the sample corpus, so only structure-awareness differs."""
    from llama_index.core import Document
    from llama_index.core.node_parser import SentenceSplitter

    from hoidap.models import Chunk
    from hoidap.ingest.chunking import chunk_id

    splitter = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    chunks = []
    for doc in docs:
        pos = 0
        for i, node in enumerate(splitter.get_nodes_from_documents([Document(text=doc.text)])):
            text = node.get_content()
            a = node.start_char_idx if node.start_char_idx is not None else max(doc.text.find(text, pos), 0)
            b = node.end_char_idx if node.end_char_idx is not None else a + len(text)
            pos = a + 1
            paragraphs = [p.ordinal for p in doc.paragraphs if p.start < b and p.end > a]
            chunks.append(
                Chunk(
                    id=chunk_id(doc.content_hash, i), doc_id=doc.source, source=doc.source, ordinal=i,
                    text=text, section="", paragraphs=paragraphs, start=a, end=b, kind="text",
                    metadata=doc.metadata, footnotes={}, content_hash=doc.content_hash,
                )
            )
    return chunks


# ----------------------------------------------------------------------------------- registry
@dataclass
class SystemSpec:
    name: str
    answers: bool
    description: str
    build: Callable[[Workspace, str | None], Any]


def _hoidap(ws: Workspace, url: str | None):
    if url:
        return HttpSystem(url, log=ws.log)
    ws.main_index()
    return ServiceSystem("hoidap", ws.settings)


def _mode(mode: str) -> Callable[[Workspace, str | None], Any]:
    def build(ws: Workspace, url: str | None):
        ws.main_index()
        return ServiceSystem(f"hoidap-{mode}", ws.variant(retrieval_mode=mode))

    return build


def _rules(ws: Workspace, url: str | None):
    ws.main_index()
    return ServiceSystem("hoidap-rules", ws.variant(answer_decision="rules"))


class OutOfFoldSystem(ServiceSystem):
    """hoidap whose decision, for each question, was fitted (model and threshold) without the
    question's fold: out-of-fold figures through the whole answering path."""

    def __init__(self, ws: Workspace) -> None:
        from hoidap.eval import train

        super().__init__("hoidap-oof", ws.settings)
        examples = train.collect(self.service, ws.gold)
        kind = self.service.decision.ranker["kind"]  # the kind the shipped file chose
        self.decisions = train.fold_decisions(examples, kind)

    def ask(self, question: str) -> Reply:
        self.service.decision = self.decisions[question]
        return super().ask(question)


def _oof(ws: Workspace, url: str | None):
    ws.main_index()
    return OutOfFoldSystem(ws)


def _nofold(ws: Workspace, url: str | None):
    ws.main_index()  # its vectors are reused: only the keyword side changes
    settings = ws.build_index("nofold", ws.chunks(), no_accent_folding)
    return ServiceSystem("hoidap-nofold", settings, no_accent_folding)


def _flatchunks(ws: Workspace, url: str | None):
    settings = ws.build_index("flatchunks", flat_chunks(ws.documents()))
    return ServiceSystem("hoidap-flatchunks", settings)


SYSTEMS: dict[str, SystemSpec] = {
    s.name: s
    for s in (
        SystemSpec("hoidap", True, "hoidap: hybrid retrieval (weighted RRF) + extractive cited answers", _hoidap),
        SystemSpec("bm25", False, "bm25s over hoidap's chunks, folded syllable+bigram tokens", lambda ws, url: BM25Baseline(ws)),
        SystemSpec("dense", False, "embedding model alone, cosine over hoidap's chunks", lambda ws, url: DenseBaseline(ws)),
        SystemSpec(
            "llamaindex", False,
            "plain llama-index: SimpleDirectoryReader + SentenceSplitter defaults + VectorStoreIndex, top 10",
            lambda ws, url: LlamaIndexBaseline(ws),
        ),
        SystemSpec("hoidap-rules", True, "hoidap with the older hand-set answer rules (answer_decision=rules)", _rules),
        SystemSpec("hoidap-oof", True, "hoidap, each question answered by a decision fitted without its fold", _oof),
        SystemSpec("hoidap-sparse", True, "ablation: keyword channel only (retrieval_mode=sparse)", _mode("sparse")),
        SystemSpec("hoidap-dense", True, "ablation: dense channel only, with hoidap's scoping (retrieval_mode=dense)", _mode("dense")),
        SystemSpec("hoidap-nofold", True, "ablation: keyword terms without accent folding", _nofold),
        SystemSpec("hoidap-flatchunks", True, "ablation: SentenceSplitter chunks, no section paths", _flatchunks),
    )
}
