"""Ingest files into the index: parse, chunk, embed, store; idempotent and fault-tolerant."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding
from tqdm import tqdm

from hoidap.index.store import ChunkStore, embed_text
from hoidap.ingest.chunking import chunk_document
from hoidap.ingest.originals import Originals
from hoidap.ingest.parse import file_hash, parse_document
from hoidap.ingest.readers import SUPPORTED_SUFFIXES, UnreadableDocument


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
    embedding: BaseEmbedding,
    max_chars: int,
    progress: bool = True,
    originals: Originals | None = None,
) -> IngestReport:
    """Index every readable file; an unreadable one is reported by name and the batch goes on.
    With `originals`, each indexed file is kept there so citations can open it."""
    report = IngestReport()
    files = collect_files(paths, report)
    for path in tqdm(files, desc="ingest", unit="file", disable=not progress):
        try:
            _ingest_one(path, store, embedding, max_chars, report, progress)
        except UnreadableDocument as exc:
            report.failed.append((path.name, str(exc)))
            continue
        if originals is not None and path.name not in report.unchanged:
            originals.keep(path)
    return report


def _ingest_one(
    path: Path, store: ChunkStore, embedding: BaseEmbedding, max_chars: int, report: IngestReport, progress: bool
) -> None:
    old_hash = store.document_hash(path.name)
    if old_hash is not None and old_hash == file_hash(path):
        report.unchanged.append(path.name)
        return
    t0 = time.perf_counter()
    doc = parse_document(path, progress=progress)
    chunks = chunk_document(doc, max_chars)
    t1 = time.perf_counter()
    report.warnings.extend(doc.warnings)
    ocr_pages = {n for p in doc.paragraphs if p.ocr_confidence is not None for n in p.pages}
    if ocr_pages:
        report.ocr.append((path.name, len(ocr_pages), t1 - t0))
    vectors = embedding.get_text_embedding_batch([embed_text(c) for c in chunks])
    t2 = time.perf_counter()
    if old_hash is not None:
        store.delete_document(path.name)
    store.add(chunks, vectors)
    t3 = time.perf_counter()
    report.seconds["parse"] += t1 - t0
    report.seconds["embed"] += t2 - t1
    report.seconds["index"] += t3 - t2
    report.chunks += len(chunks)
    (report.replaced if old_hash is not None else report.added).append(path.name)
