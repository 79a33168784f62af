"""Telegram HTML for answers, passages and document lists, and splitting over the 4096 limit.

Every piece of document or user text goes through `esc` (html.escape); the only markup is the
bot's own (<b>, <i>, <code>). `split_html` cuts long messages on paragraph, then line, then word
boundaries, never inside a tag or an entity, closing open tags at the end of a part and reopening
them at the start of the next, so each part is valid HTML on its own.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, is_dataclass
from typing import Any

from hoidap.answer.types import original_link

MAX_MESSAGE = 4096  # Telegram's limit for a message text (UTF-16 code units after entity parsing)

_MARKER = re.compile(r"\[(\d{1,3})\]")


def esc(text: object) -> str:
    """Escape text for Telegram's HTML parse mode (&, <, >)."""
    return html.escape(str(text), quote=False)


def shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def as_dict(citation: Any) -> dict:
    return asdict(citation) if is_dataclass(citation) else dict(citation)


def last_section(section: str) -> str:
    """The innermost heading of a section path "I. … > 2. …"."""
    return section.split(" > ")[-1].strip() if section else ""


# -- answers ---------------------------------------------------------------------------
def render_answer(answer: Any, *, scope: str | None = None, echo_question: bool = False) -> str:
    """An answer with bold [n] markers, a short source list and the chat's province scope."""
    lines: list[str] = []
    if echo_question and answer.question:
        lines.append(f"❓ <i>{esc(shorten(answer.question, 300))}</i>")
    resolved = getattr(answer, "resolved_question", "") or ""
    if resolved and answer.question and resolved.strip() != answer.question.strip():
        lines.append(f"↪️ <i>Hiểu là: {esc(shorten(resolved, 300))}</i>")
    if lines:
        lines.append("")
    lines.append(_MARKER.sub(r"<b>[\1]</b>", esc(answer.answer.strip())))
    if answer.citations and not answer.abstained:
        lines += ["", "<b>Nguồn:</b>"]
        lines += [source_line(as_dict(c)) for c in sorted(answer.citations, key=lambda c: as_dict(c)["n"])]
    elif getattr(answer, "related", None):
        lines += ["", "<i>Bấm 📄 để xem nguyên văn các đoạn có thể liên quan.</i>"]
    if scope:
        lines += ["", f"<i>Phạm vi: {esc(scope)} · gõ /tinh để bỏ.</i>"]
    return "\n".join(lines)


def source_line(c: dict) -> str:
    line = f"<b>[{c['n']}]</b> {esc(shorten(c.get('title') or c.get('source', ''), 90))}"
    if c.get("province"):
        line += f" — {esc(c['province'])}"
    if c.get("page"):
        line += f" · trang {c['page']}"
    section = last_section(c.get("section", ""))
    if section:
        line += f"\n      <i>{esc(shorten(section, 90))}</i>"
    return line


def button_label(c: dict) -> str:
    """Text of the inline button that opens a cited paragraph (kept short)."""
    return shorten(f"📄 [{c['n']}] {c.get('province') or c.get('source', '')}", 40)


def render_passage(c: dict, public_url: str | None = None) -> str:
    """The cited paragraph in full, the quoted sentence(s) in bold; with the server's public URL,
    a link to the original file (a PDF opens at the cited page)."""
    lines = [f"📄 <b>[{c['n']}] {esc(c.get('title') or c.get('source', ''))}</b>"]
    meta = [c.get("province", "")]
    if c.get("number"):
        meta.append(f"số {c['number']}")
    if c.get("date"):
        meta.append(f"ngày {c['date']}")
    if c.get("page"):
        meta.append(f"trang {c['page']}")
    meta = [m for m in meta if m]
    if meta:
        lines.append(esc(" · ".join(meta)))
    if c.get("section"):
        lines.append(f"<i>{esc(c['section'])}</i>")
    lines += ["", highlight(c.get("text", ""), c.get("quote", ""))]
    if c.get("note"):
        lines += ["", f"⚠️ <i>{esc(c['note'])}</i>"]
    if public_url and c.get("source"):
        link = original_link(c["source"], c.get("page"), public_url)
        label = f"Mở bản gốc, trang {c['page']}" if c.get("page") else "Mở bản gốc"
        lines += ["", f'🔗 <a href="{html.escape(link, quote=True)}">{label}</a>']
    return "\n".join(lines)


def highlight(text: str, quote: str) -> str:
    """The paragraph escaped, with the quote in <b> (appended if it cannot be found in it)."""
    text, quote = text.strip(), quote.strip()
    if not quote:
        return esc(text)
    for candidate in (quote, quote.rstrip("…. ").strip()):
        start = text.find(candidate) if candidate else -1
        if start >= 0:
            end = start + len(candidate)
            return f"{esc(text[:start])}<b>{esc(text[start:end])}</b>{esc(text[end:])}"
    return f"{esc(text)}\n\n<b>{esc(quote)}</b>" if text else f"<b>{esc(quote)}</b>"


# -- documents, start, help -------------------------------------------------------------
def document_line(d: dict, detailed: bool = False) -> str:
    line = f"• <b>{esc(d.get('province') or '?')}</b> — {esc(shorten(d.get('title') or d.get('source', ''), 120))}"
    meta = []
    if d.get("number"):
        meta.append(f"số {d['number']}")
    if d.get("date"):
        meta.append(f"ngày {d['date']}")
    if detailed:
        meta.append(f"{d.get('chunks', 0)} đoạn")
    if meta:
        line += f" ({esc(', '.join(meta))})"
    if detailed and d.get("source"):
        line += f"\n   <code>{esc(d['source'])}</code>"
    return line


def render_documents(docs: list[dict]) -> str:
    if not docs:
        return "Chưa có văn bản nào được nạp. Quản trị viên có thể nạp bằng <code>hoidap ingest THƯ_MỤC</code>."
    lines = [f"<b>{len(docs)} văn bản đã nạp:</b>", ""]
    lines += [document_line(d, detailed=True) for d in sorted(docs, key=_doc_order)]
    return "\n".join(lines)


def example_questions(docs: list[dict]) -> list[str]:
    """Three questions that fit the indexed plans (one without diacritics): the sample corpus's
    well-answered ones when those plans are indexed, questions built from the metadata otherwise."""
    from hoidap.vietnamese import fold

    provinces = sorted({d["province"] for d in docs if d.get("province")})
    signed = [d["province"] for d in sorted(docs, key=_doc_order) if d.get("signer") and d.get("province")]
    if "Lai Châu" in provinces:
        unaccented = "ty le huy dong tre nha tre o Lai Chau nam hoc 2024-2025"
    else:
        unaccented = f"chi ngan sach cho giao duc toi thieu bao nhieu o {fold(provinces[0]) if provinces else 'tinh'}?"
    who = "Bắc Ninh" if "Bắc Ninh" in signed else (signed or provinces or ["tỉnh"])[0]
    return ["Mục tiêu chi ngân sách cho giáo dục là bao nhiêu?", unaccented, f"Ai ký kế hoạch của {who}?"]


def render_start(docs: list[dict], shown: int = 15) -> str:
    lines = [
        "👋 Xin chào! Tôi trả lời câu hỏi về <b>kế hoạch giáo dục</b> của các tỉnh; mỗi ý đều kèm "
        "trích dẫn [1], [2] tới đoạn văn bản gốc, và tôi nói rõ khi văn bản không đề cập.",
        "",
    ]
    if docs:
        ordered = sorted(docs, key=_doc_order)
        lines.append(f"<b>Tôi đang có {len(docs)} văn bản:</b>")
        lines += [document_line(d) for d in ordered[:shown]]
        if len(ordered) > shown:
            lines.append(f"… và {len(ordered) - shown} văn bản khác (/nguon).")
        lines += ["", "<b>Thử hỏi:</b>"]
        lines += [f"• <code>{esc(q)}</code>" for q in example_questions(docs)]
    else:
        lines.append("Hiện chưa có văn bản nào được nạp.")
    lines += ["", "Gõ câu hỏi, có dấu hay không dấu đều được. /help để xem các lệnh."]
    return "\n".join(lines)


HELP = "\n".join([
    "<b>Cách dùng</b>",
    "• Trong chat riêng: gõ câu hỏi bất kỳ, ví dụ <code>tỷ lệ huy động trẻ nhà trẻ ở Lai Châu?</code>",
    "• Trong nhóm: nhắc tên tôi (@), trả lời (reply) tin nhắn của tôi, hoặc dùng /hoi &lt;câu hỏi&gt;.",
    "• Hỏi tiếp được: <code>còn Sơn La thì sao?</code> — tôi nhớ vài lượt gần nhất của cuộc trò chuyện.",
    "• Bấm 📄 để xem nguyên văn đoạn được trích, 👍 / 👎 để góp ý cho câu trả lời.",
    "",
    "<b>Lệnh</b>",
    "/start — giới thiệu, các văn bản và câu hỏi mẫu",
    "/hoi &lt;câu hỏi&gt; — đặt câu hỏi (dùng trong nhóm)",
    "/tinh &lt;tỉnh&gt; — chỉ tìm trong văn bản của một tỉnh; /tinh để bỏ",
    "/nguon — danh sách văn bản đã nạp",
    "/help — hướng dẫn này",
])


def _doc_order(d: dict) -> tuple:
    return (d.get("province") or "", d.get("title") or "", d.get("source") or "")


# -- splitting ---------------------------------------------------------------------------
# One atom = a whole tag, a whole entity, or a single character: cuts happen between atoms only.
_ATOM = re.compile(r"<[^<>]*>|&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);|[\s\S]")
_TAG = re.compile(r"<\s*(/)?\s*([a-zA-Z][\w-]*)")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _openers(stack: tuple) -> str:
    return "".join(tag for _, tag in stack)


def _closers(stack: tuple) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _stacks(atoms: list[str]) -> list[tuple]:
    """The open tags before each atom (and after the last one)."""
    stacks, stack = [], ()
    for atom in atoms:
        stacks.append(stack)
        if len(atom) > 1 and atom.startswith("<"):
            m = _TAG.match(atom)
            if m:
                name = m.group(2).lower()
                if m.group(1):
                    names = [n for n, _ in stack]
                    if name in names:
                        stack = stack[: len(names) - 1 - names[::-1].index(name)]
                elif not atom.endswith("/>"):
                    stack = stack + ((name, atom),)
    stacks.append(stack)
    return stacks


def _choose_cut(atoms: list[str], start: int, end_max: int) -> int:
    """Best cut in (start, end_max]: after a blank line, else a line end, else a space; a cut that
    keeps at least half of the room wins over a better-ranked one that wastes it."""
    para, line, word = [], [], []
    for k in range(start + 1, end_max + 1):
        a = atoms[k - 1]
        if a == "\n":
            (para if k - 2 >= start and atoms[k - 2] == "\n" else line).append(k)
        elif a in (" ", "\t"):
            word.append(k)
    half = start + (end_max - start) // 2
    for level in (para, line, word):
        if level and level[-1] > half:
            return level[-1]
    anywhere = max((level[-1] for level in (para, line, word) if level), default=None)
    if anywhere is not None and anywhere > start + 1:
        return anywhere
    k = end_max
    while k > start + 1 and atoms[k - 1].startswith("<") and not atoms[k - 1].startswith("</"):
        k -= 1  # do not end a part on an opening tag
    return k


def split_html(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split Telegram HTML into parts of at most `limit` UTF-16 units, each valid on its own."""
    text = text.strip()
    if not text:
        return []
    if utf16_len(text) <= limit:
        return [text]
    atoms = _ATOM.findall(text)
    stacks = _stacks(atoms)
    widths = [utf16_len(a) for a in atoms]
    parts: list[str] = []
    i, n = 0, len(atoms)
    while i < n:
        while i < n and atoms[i].isspace():
            i += 1
        if i >= n:
            break
        opener = _openers(stacks[i])
        budget = limit - utf16_len(opener)
        size, j = 0, i
        while j < n and size + widths[j] + utf16_len(_closers(stacks[j + 1])) <= budget:
            size += widths[j]
            j += 1
        cut = n if j == n else _choose_cut(atoms, i, j)
        cut = max(cut, i + 1)
        end = cut
        while end > i and atoms[end - 1].isspace():
            end -= 1
        body = "".join(atoms[i:end])
        if body.strip():
            parts.append(opener + body + _closers(stacks[end]))
        i = cut
    return parts
