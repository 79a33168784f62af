"""One file in, one ParsedDocument out: read, repair, structure, metadata."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hoidap.models import ParsedDocument
from hoidap.ingest.metadata import extract_metadata
from hoidap.ingest.readers import read_blocks
from hoidap.ingest.repair import repair
from hoidap.ingest.structure import assemble_text, build_paragraphs


PARSER_VERSION = 2
"""Bump when reading, repair, structure or chunking changes what a file's chunks hold: the version is
part of every file's hash, so an index written by an older version re-ingests each file once."""


def file_hash(path: Path) -> str:
    """The file's content under this parser version (ingestion skips a file whose hash is stored)."""
    return hashlib.sha256(f"hoidap parser {PARSER_VERSION}\n".encode() + path.read_bytes()).hexdigest()[:16]


def parse_document(path: Path, progress: bool = False) -> ParsedDocument:
    """Raises ingest.readers.UnreadableDocument when the file cannot be read; pages that could
    not be read (OCR) are listed in `warnings`."""
    warnings: list[str] = []
    blocks = read_blocks(path, progress=progress, warnings=warnings)
    paragraphs = build_paragraphs(repair(blocks))
    text = assemble_text(paragraphs)
    return ParsedDocument(
        source=path.name,
        content_hash=file_hash(path),
        text=text,
        paragraphs=paragraphs,
        metadata=extract_metadata(paragraphs),
        warnings=warnings,
    )
