"""Ingest files into the index: parse, chunk, embed, store; idempotent and fault-tolerant."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding
from tqdm import tqdm

from hoidap.index.store import ChunkStore, embed_text
from hoidap.models import Chunk
from hoidap.ingest.chunking import chunk_document
from hoidap.ingest.originals import Originals
from hoidap.ingest.parse import file_hash, parse_document
from hoidap.ingest.readers import SUPPORTED_SUFFIXES, UnreadableDocument


SMALL_BATCH = 1000  # chunks below which an ingest does not optimise the index at its end


@dataclass
class IngestReport:
    """What happened to each file; `failed` holds (file name, reason)."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # pages that could not be read, file and page
    ocr: list[tuple[str, int, float]] = field(default_factory=list)  # (file, pages OCR'd, seconds)
    chunks: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: {"parse": 0.0, "embed": 0.0, "index": 0.0})

    @property
    def ok(self) -> bool:
        return not self.failed


def collect_files(paths: Iterable[Path], report: IngestReport) -> list[Path]:
    """Files to ingest: given files as they are, folders searched for supported types."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            report.failed.append((path.name or str(path), "không tìm thấy tệp hoặc thư mục (no such file or folder)"))
    return files


def ingest_paths(
    paths: Iterable[Path],
    store: ChunkStore,
    embedding: BaseEmbedding | None,
    max_chars: int,
    progress: bool = True,
    batch_size: int = 32,
    optimize_every: int = 20_000,
    originals: Originals | None = None,
) -> IngestReport:
    """Index every readable file; an unreadable one is reported by name and the batch goes on.

    Files are parsed first, then embedded and written batch by batch under one progress bar.
    Without an embedding model (keywords-only mode) no dense vector is computed. Safe to kill:
    a file's earlier chunks are dropped before it is written and its first chunk, which marks
    it as indexed, is written last, so the next run redoes exactly the unfinished files.
    With `originals`, each indexed file is kept there so citations can open it.
    """
    report = IngestReport()
    todo = [job for path in collect_files(paths, report) if (job := _prepare(path, store, max_chars, report, progress))]
    pending = 0
    with tqdm(total=sum(len(job[1]) for job in todo), desc="embed+index", unit="chunk", disable=not progress) as bar:
        for path, chunks, replacing in todo:
            if originals is not None:
                originals.keep(path)
            store.remove_source(path.name)
            for i in range(0, len(chunks), batch_size):
                _write(chunks[i : i + batch_size], store, embedding, report)
                bar.update(len(chunks[i : i + batch_size]))
            pending += len(chunks)
            report.chunks += len(chunks)
            (report.replaced if replacing else report.added).append(path.name)
            if pending >= optimize_every:
                _optimize(store, report)
                pending = 0
    if pending >= min(SMALL_BATCH, optimize_every):  # a plan or two stay in the plain segment, which
        _optimize(store, report)                      # searches fast, rather than hold up a server
    return report


def _prepare(
    path: Path, store: ChunkStore, max_chars: int, report: IngestReport, progress: bool = False
) -> tuple[Path, list[Chunk], bool] | None:
    """The chunks of a new or changed file, first chunk last; None when unchanged or unreadable.
    Scanned pages are OCR'd here (the slow part), counted on their own progress bar."""
    old_hash = store.document_hash(path.name)
    try:
        if old_hash is not None and old_hash == file_hash(path):
            report.unchanged.append(path.name)
            return None
        t0 = time.perf_counter()
        doc = parse_document(path, progress=progress)
        chunks = chunk_document(doc, max_chars)
        seconds = time.perf_counter() - t0
        report.seconds["parse"] += seconds
    except UnreadableDocument as exc:
        report.failed.append((path.name, str(exc)))
        return None
    report.warnings.extend(doc.warnings)
    ocr_pages = {n for p in doc.paragraphs if p.ocr_confidence is not None for n in p.pages}
    if ocr_pages:
        report.ocr.append((path.name, len(ocr_pages), seconds))
    return path, chunks[1:] + chunks[:1], old_hash is not None


def _write(chunks: list[Chunk], store: ChunkStore, embedding: BaseEmbedding | None, report: IngestReport) -> None:
    t0 = time.perf_counter()
    vectors = embedding.get_text_embedding_batch([embed_text(c) for c in chunks]) if embedding else None
    t1 = time.perf_counter()
    store.add(chunks, vectors)
    report.seconds["embed"] += t1 - t0
    report.seconds["index"] += time.perf_counter() - t1


def _optimize(store: ChunkStore, report: IngestReport) -> None:
    t0 = time.perf_counter()
    store.optimize()
    report.seconds["optimize"] = report.seconds.get("optimize", 0.0) + time.perf_counter() - t0
