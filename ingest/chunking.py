"""Chunks along paragraphs and sentences, never mid-sentence, sized for the embedding window."""

from __future__ import annotations

import uuid

from hoidap.models import Chunk, Paragraph, ParsedDocument
from hoidap.vietnamese import split_sentences

_NAMESPACE = uuid.UUID("5b0c1e1e-7a52-4d0b-9a0e-6f1f7c1d2a01")
_SHORT = 160  # consecutive paragraphs shorter than this (e.g. "Nơi nhận" lists) share a chunk


def chunk_id(content_hash: str, ordinal: int) -> str:
    """Ids derive from content, so re-ingesting an unchanged file rewrites nothing new."""
    return str(uuid.uuid5(_NAMESPACE, f"{content_hash}:{ordinal}"))


def chunk_document(doc: ParsedDocument, max_chars: int) -> list[Chunk]:
    """Paragraph chunks; long paragraphs split on sentences; short siblings grouped."""
    pieces: list[tuple[list[Paragraph], int, int]] = []
    for p in doc.paragraphs:
        if p.kind == "heading":
            continue
        if len(p.text) > max_chars:
            pieces.extend(([p], a, b) for a, b in _sentence_windows(p, max_chars))
        elif pieces and _groupable(pieces[-1], p, max_chars):
            group, start, _ = pieces[-1]
            pieces[-1] = (group + [p], start, p.end)
        else:
            pieces.append(([p], p.start, p.end))
    return [_make_chunk(doc, i, group, a, b) for i, (group, a, b) in enumerate(pieces)]


def _groupable(last: tuple[list[Paragraph], int, int], p: Paragraph, max_chars: int) -> bool:
    group, start, end = last
    prev = group[-1]
    return (
        p.kind == prev.kind == "text"
        and len(p.text) < _SHORT
        and len(prev.text) < _SHORT
        and p.section == prev.section
        and p.end - start <= max_chars // 2
        and not p.footnotes
    )


def _sentence_windows(p: Paragraph, max_chars: int) -> list[tuple[int, int]]:
    """Consecutive sentences packed up to max_chars, as absolute offsets."""
    windows: list[tuple[int, int]] = []
    for a, b in split_sentences(p.text):
        a, b = p.start + a, p.start + b
        if windows and b - windows[-1][0] <= max_chars:
            windows[-1] = (windows[-1][0], b)
        else:
            windows.append((a, b))
    return windows


def _make_chunk(doc: ParsedDocument, i: int, group: list[Paragraph], a: int, b: int) -> Chunk:
    notes = {k: v for p in group for k, v in p.footnotes.items()}
    confidences = [p.ocr_confidence for p in group if p.ocr_confidence is not None]
    return Chunk(
        id=chunk_id(doc.content_hash, i),
        doc_id=doc.source,
        source=doc.source,
        ordinal=i,
        text=doc.text[a:b],
        section=group[0].section,
        paragraphs=[p.ordinal for p in group],
        start=a,
        end=b,
        kind=group[0].kind,
        metadata=doc.metadata,
        footnotes=notes,
        content_hash=doc.content_hash,
        pages=sorted({n for p in group for n in p.pages}),
        ocr=bool(confidences),
        ocr_confidence=min(confidences) if confidences else None,
    )
