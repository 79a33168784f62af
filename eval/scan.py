"""Scanned copies of the sample plans, and what OCR makes of them.

`render_plan` lays a plan out as A4 pages (DejaVu Sans, a Vietnamese-capable font from Debian's
fonts-dejavu-core): paragraphs wrapped to the page, page numbers at the bottom, each table on a
landscape page with its grid. `scan` degrades a page like a desk scanner (slight rotation, blur,
noise, JPEG) and `write_pdf` wraps pages into an image-only PDF, the form departments hold.
`python -m hoidap.eval.scan` measures OCR on a whole plan: character error rate against the drawn
text, seconds per page, and the share of the plan's gold questions still answered correctly when
the plan is indexed as a scan instead of as text.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from hoidap.ingest.readers import read_blocks
from hoidap.ingest.repair import repair
from hoidap.models import TableBlock

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DPI = 200
A4 = (1654, 2339)  # pixels at 200 dpi, portrait
MARGIN = 150
TEXT_PX, TABLE_PX = 30, 26


@dataclass
class Page:
    """One rendered page and the text drawn on it, line by line (the OCR reference)."""

    image: Image.Image
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + ([line] if line else [])


class _Layout:
    """Pages filled top to bottom; a new page when the next item does not fit."""

    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.y = 0
        self.size = A4

    def new_page(self, size: tuple[int, int] | None = None) -> Page:
        """Start a page; `size` switches orientation for it and the pages after it."""
        self._number_last()
        self.size = size or self.size
        self.pages.append(Page(Image.new("L", self.size, 255)))
        self.y = MARGIN if self.size == A4 else MARGIN * 2 // 3
        return self.pages[-1]

    def _number_last(self) -> None:
        if not self.pages:
            return
        page = self.pages[-1]
        label, font = f"- {len(self.pages)} -", _font(TEXT_PX)
        w, h = page.image.size
        ImageDraw.Draw(page.image).text(((w - font.getlength(label)) / 2, h - MARGIN / 2 - TEXT_PX), label,
                                        font=font, fill=0)
        page.lines.append(label)

    def paragraph(self, text: str) -> None:
        font, step = _font(TEXT_PX), int(TEXT_PX * 1.45)
        for line in _wrap(text, font, self.size[0] - 2 * MARGIN):
            page = self.pages[-1] if self.pages else self.new_page()
            if self.y + step > page.image.size[1] - MARGIN:
                page = self.new_page()
            ImageDraw.Draw(page.image).text((MARGIN, self.y), line, font=font, fill=0)
            page.lines.append(line)
            self.y += step
        self.y += TEXT_PX // 2

    def table(self, table: TableBlock) -> None:
        """A grid on a landscape page: merged header cells drawn once, as a printed table."""
        font, pad = _font(TABLE_PX), 14
        grid = _header_spans(table)
        ncols = len(table.rows[0])
        widths = [max(font.getlength(row[c]) for row in table.rows) + 2 * pad for c in range(ncols)]
        row_h = int(TABLE_PX * 1.6)
        page = self.pages[-1] if self.pages else self.new_page()
        draw, x0 = ImageDraw.Draw(page.image), max(60, (page.image.size[0] - sum(widths)) / 2)
        for row in grid:
            if self.y + row_h > page.image.size[1] - MARGIN * 2 // 3:
                page = self.new_page()
                draw = ImageDraw.Draw(page.image)
            drawn = []
            for start, span, text in row:
                left = x0 + sum(widths[:start])
                right = left + sum(widths[start:start + span])
                draw.rectangle((left, self.y, right, self.y + row_h), outline=0, width=2)
                if text:
                    draw.text((left + pad, self.y + (row_h - TABLE_PX) / 2 - 2), text, font=font, fill=0)
                    drawn.append(text)
            page.lines.append(" ".join(drawn))
            self.y += row_h
        self.y += TEXT_PX

    def finish(self) -> list[Page]:
        self._number_last()
        return self.pages


def _header_spans(table: TableBlock) -> list[list[tuple[int, int, str]]]:
    """Rows as (first column, span, text); a header cell repeated to the right or below is merged."""
    out = []
    for r, row in enumerate(table.rows):
        cells: list[tuple[int, int, str]] = []
        for c, text in enumerate(row):
            header = r < table.header_rows
            if header and cells and cells[-1][2] == text and text:
                first, span, _ = cells[-1]
                cells[-1] = (first, span + 1, text)
                continue
            above = table.rows[r - 1][c] if header and r else None
            cells.append((c, 1, "" if above == text else text))
        out.append(cells)
    return out


def render_plan(path: Path) -> list[Page]:
    """A plan (any readable file) as printed pages; the appendix ("PHỤ LỤC") starts a new page."""
    repaired = repair(read_blocks(path))
    layout = _Layout()
    for block in repaired.blocks:
        if isinstance(block, TableBlock):
            layout.table(block)
        elif block.text.startswith("PHỤ LỤC"):  # appendix tables are printed landscape
            layout.new_page((A4[1], A4[0]))
            layout.paragraph(block.text)
        else:
            layout.paragraph(block.text)
    for number, note in repaired.footnotes.items():
        layout.paragraph(f"[{number}] {note}")
    return layout.finish()


def scan(image: Image.Image, seed: int = 0, angle: float = 0.6, blur: float = 0.7, noise: float = 14.0) -> Image.Image:
    """What a desk scanner does to a printed page: slight rotation, blur, speckle noise, JPEG."""
    rng = random.Random(seed)
    out = image.rotate(rng.uniform(-angle, angle), resample=Image.BICUBIC, fillcolor=255)
    out = out.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(out, dtype=np.float32)
    pixels = pixels + np.random.default_rng(seed).normal(0, noise, pixels.shape)
    out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=70)
    return Image.open(buffer).convert("L")


def write_pdf(images: list[Image.Image], path: Path, dpi: int = DPI) -> Path:
    """An image-only PDF (no text layer), one image per page."""
    first, *rest = [im.convert("RGB") for im in images]
    first.save(path, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return path


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance over the reference length, whitespace runs as one space."""
    ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
    if not ref:
        return float(bool(hyp))
    return edit_distance(ref, hyp) / len(ref)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one row at a time in numpy (pages are thousands of characters)."""
    if not b:
        return len(a)
    codes_b = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    columns = np.arange(len(b) + 1)
    row = columns.copy()
    for i, ch in enumerate(a, 1):
        substitute = row[:-1] + (codes_b != ord(ch))
        new = np.empty_like(row)
        new[0] = i
        new[1:] = np.minimum(substitute, row[1:] + 1)
        row = np.minimum.accumulate(new - columns) + columns  # insertions: new[j] <= new[j-1] + 1
    return int(row[-1])


def _answered(service, items) -> list[str]:
    """Ids of the gold items answered with every fact (the evaluation's fact accuracy)."""
    from hoidap.eval.gold import contains

    ok = []
    for item in items:
        answer = service.ask(item.question)
        if not answer.abstained and all(contains(answer.answer, fact) for fact in item.facts):
            ok.append(item.id)
    return ok


def benchmark(doc: str = "001_e1b72a20e9d27a54.txt", out: Path | None = None) -> dict:
    """CER and seconds per page of a whole scanned plan, and its gold questions answered as text
    vs as a scan (the other sample plans indexed as text in both runs)."""
    from hoidap.answer.service import AnswerService
    from hoidap.eval.gold import load_gold
    from hoidap.ingest.ocr import ocr_image, render_pdf_page
    from hoidap.settings import SAMPLE_CORPUS, Settings

    source = SAMPLE_CORPUS / doc
    items = [i for i in load_gold(Path(__file__).parent / "gold.jsonl")[0]
             if i.answerable and any(e.doc == doc for e in i.evidence)]
    work = Path(tempfile.mkdtemp(prefix="hoidap-scan-"))
    pages = render_plan(source)
    pdf = write_pdf([scan(p.image, seed=n) for n, p in enumerate(pages)], work / f"{source.stem}.pdf")
    errors, seconds = [], []
    for n, page in enumerate(pages):
        t0 = time.perf_counter()
        result = ocr_image(render_pdf_page(pdf.read_bytes(), n))
        seconds.append(time.perf_counter() - t0)
        errors.append(cer(page.text, "\n".join(result.lines)))
    ref_chars = [len(" ".join(p.text.split())) for p in pages]
    results = {"doc": doc, "pages": len(pages), "gold_items": len(items),
               "cer": round(sum(e * c for e, c in zip(errors, ref_chars)) / sum(ref_chars), 4),
               "cer_per_page": [round(e, 4) for e in errors],
               "ocr_seconds_per_page": round(sum(seconds) / len(seconds), 2)}
    for label, files in (("text", [source]), ("scan", [pdf])):
        corpus = work / label
        corpus.mkdir()
        for other in SAMPLE_CORPUS.glob("*.txt"):
            if other.name != doc:
                shutil.copy(other, corpus)
        for f in files:
            shutil.copy(f, corpus)
        service = AnswerService(Settings(data_dir=work / f"data-{label}"))
        try:
            service.ingest([corpus])
            ok = _answered(service, items)
        finally:
            service.close()
        results[f"answered_{label}"] = round(len(ok) / len(items), 3)
        results[f"answered_{label}_ids"] = ok
    if out:
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return results


if __name__ == "__main__":  # pragma: no cover - benchmark entry point
    print(json.dumps(benchmark(out=Path("eval/out/scan.json") if Path("eval/out").is_dir() else None),
                     ensure_ascii=False, indent=2))
