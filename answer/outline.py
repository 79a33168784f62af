"""Questions about how a plan is organised ("kế hoạch gồm mấy phần", "có bao nhiêu nhóm nhiệm vụ
trọng tâm"), answered from the headings kept at ingestion: each part is cited to the first passage
under it, and the count is the number of parts listed, never a figure from the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hoidap.answer.extractive import doc_label
from hoidap.answer.types import Answer, Citation
from hoidap.answer.understanding import Query
from hoidap.ingest.repair import HEADING_MARKER
from hoidap.models import Chunk, Hit
from hoidap.vietnamese import fold

# not "phần trăm", "phân hiệu", "mức độ", "mục tiêu", "chương trình"
_PARTS = r"(?:phan(?! tram| hieu| thuong| cong| bo| mem)|muc(?! do| tieu| dich| chi)|chuong(?! trinh))(?: lon| chinh)?"
_TASKS = r"(?:nhom )?(?:nhiem vu|giai phap)(?:,? (?:giai phap|nhiem vu))?(?: trong tam| chu yeu)?"
_ASKS = re.compile(rf"\b(?:may|bao nhieu) (?P<parts>{_PARTS}|noi dung (?:lon|chinh))\b|"
                   rf"\b(?:nhung|cac) (?P<named>{_PARTS}) nao\b|\b(?P<layout>bo cuc|muc luc|cau truc)\b|"
                   rf"\b(?:may|bao nhieu) (?P<tasks>{_TASKS})\b")


@dataclass
class Part:
    heading: str
    chunk: Chunk


def asked_level(question: str) -> str | None:
    """"parts" for the plan's top-level parts, "tasks" for the numbered groups of its tasks
    section, None when the question is not about the plan's organisation."""
    m = _ASKS.search(" ".join(fold(question).split()))
    if not m:
        return None
    return "tasks" if m.group("tasks") else "parts"


def outline(chunks: list[Chunk], level: str) -> list[Part]:
    """The plan's parts ("I. MỤC TIÊU", …) or the numbered groups under its tasks part ("1. …"),
    in reading order, each with the first passage under it (headings as ingestion numbered them)."""
    parts: dict[str, Part] = {}
    for chunk in sorted(chunks, key=lambda c: c.ordinal):
        path = chunk.section.split(" > ")
        if level == "parts":
            if _marker(path[0], "roman"):
                parts.setdefault(path[0], Part(path[0], chunk))
        elif len(path) > 1 and _is_tasks(path[0]):
            number = _marker(path[1], "num")
            if number and "." not in number:  # "3." and not "3.1."
                parts.setdefault(number, Part(path[1], chunk))
    return list(parts.values())


def _marker(heading: str, kind: str) -> str:
    """The heading's numbering of that kind ("II", "3"), "" when it has none."""
    m = HEADING_MARKER.match(heading)
    return (m.group(kind) or "") if m else ""


def _is_tasks(heading: str) -> bool:
    folded = fold(heading)
    return bool(_marker(heading, "roman")) and ("nhiem vu" in folded or "giai phap" in folded)


def outline_answer(query: Query, plans: list[tuple[Hit, list[Part]]], level: str) -> Answer:
    """One block per plan: how many parts and which, each heading cited to its first passage."""
    unit = "nhóm nhiệm vụ, giải pháp" if level == "tasks" else "phần"
    citations: list[Citation] = []
    blocks: list[str] = []
    for hit, parts in plans:
        lines = []
        for part in parts:
            cit = Citation.from_hit(len(citations) + 1, Hit(part.chunk, hit.score), _opening(part.chunk.text))
            citations.append(cit)
            lines.append(f"- {part.heading} [{cit.n}]")
        blocks.append(f"Theo {doc_label(citations[-len(parts)])}: gồm {len(parts)} {unit}:\n" + "\n".join(lines))
    provinces = sorted({c.province for c in citations if c.province})
    return Answer(query.question, "\n".join(blocks), False, citations, provinces=provinces)


def _opening(text: str, limit: int = 160) -> str:
    """The passage's first words, verbatim, as the highlighted quote."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]
