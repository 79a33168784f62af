"""OCR of scanned pages with Tesseract's Vietnamese model (pytesseract), and OCR-only repairs.

Tesseract and its `vie` data are Debian packages (tesseract-ocr, tesseract-ocr-vie, installed by
.ci/install-ocr); pytesseract and pypdfium2 are imported only when a page needs OCR.
Lines are rebuilt from Tesseract's word boxes; a wide gap between words (a table column)
splits the line into one line per cell, the form the repair step rebuilds tables from.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from hoidap.vietnamese import fold

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

LANG = "vie"
PACKAGES = "tesseract-ocr tesseract-ocr-vie"
RENDER_DPI = 300
# Tesseract page segmentation 6 (one uniform block) keeps table rows together; measured on the
# sample scans it also read running text better than the automatic mode 3 (see README).
CONFIG = "--oem 1 --psm 6"
# A page's text layer is used when it has at least this many letters and most of its words are
# well-formed Vietnamese syllables; otherwise it is a scan (or a broken font encoding) and gets OCR.
# Measured: the five sample plans 0.97-0.99 of words are syllables, the PDF fixtures' pages >= 0.9,
# a page in a broken legacy font encoding ("Kº ho¡ch tri¿n khai") 0.67, English 0.25.
MIN_LETTERS = 10
MIN_SYLLABLE_SHARE = 0.8
# A gap wider than this many line heights between two words separates table cells.
CELL_GAP = 1.8


class OcrUnavailable(Exception):
    """Tesseract or its Vietnamese data is missing; the message names the packages."""


@dataclass
class OcrPage:
    lines: list[str]
    confidence: float  # mean word confidence, 0..1 (0 for a page without words)


# ---------------------------------------------------------------- when to OCR

_SYLLABLE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?"
    r"(?:[aeiouy]{1,3})"
    r"(?:ng|nh|ch|[cmnpt])?$"
)


def syllable_share(text: str) -> float:
    """Share of alphabetic words that are well-formed Vietnamese syllables (accents ignored)."""
    words = [w for w in re.findall(r"[^\W\d_]+", text) if len(w) > 1 or w.lower() in "aeiouy"]
    if not words:
        return 0.0
    return sum(bool(_SYLLABLE.match(fold(w))) for w in words) / len(words)


def needs_ocr(text: str) -> bool:
    """Whether a PDF page's text layer is missing or unusable (too little text, not Vietnamese)."""
    letters = sum(ch.isalpha() for ch in text)
    return letters < MIN_LETTERS or syllable_share(text) < MIN_SYLLABLE_SHARE


# ---------------------------------------------------------------- Tesseract

@lru_cache(maxsize=1)
def check_available() -> None:
    """Raise OcrUnavailable unless `tesseract` runs and has the Vietnamese model."""
    hint = f"cần cài gói Debian {PACKAGES} (sudo apt-get install {PACKAGES}, hoặc .ci/install-ocr)"
    if shutil.which("tesseract") is None:
        raise OcrUnavailable(f"trang quét cần OCR nhưng chưa có Tesseract: {hint}")
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrUnavailable(f"không chạy được Tesseract ({exc}): {hint}") from exc
    if LANG not in out.stdout.split():
        raise OcrUnavailable(f"Tesseract chưa có dữ liệu tiếng Việt (vie): {hint}")


def ocr_image(image: Image) -> OcrPage:
    """Lines and mean word confidence of one page image."""
    import pytesseract

    check_available()
    clean, columns = remove_rules(image.convert("L"))
    with _one_thread():
        data = pytesseract.image_to_data(clean, lang=LANG, config=CONFIG, output_type=pytesseract.Output.DICT)
    words = [
        Word((data["block_num"][i], data["par_num"][i], data["line_num"][i]), data["left"][i],
             data["left"][i] + data["width"][i], data["top"][i], data["height"][i],
             data["text"][i].strip(), float(data["conf"][i]))
        for i in range(len(data["text"]))
        if data["text"][i].strip() and float(data["conf"][i]) >= 0 and not _JUNK.fullmatch(data["text"][i].strip())
    ]
    confidences = [w.conf for w in words]
    mean = sum(confidences) / len(confidences) / 100 if confidences else 0.0
    return OcrPage(lines=_lines(words, columns), confidence=round(mean, 3))


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run Tesseract single-threaded unless OMP_THREAD_LIMIT is set: its OpenMP threads fight over
    busy cores (measured on 2 shared cores: 17-20 s per page with threads, 4 s with one)."""
    if "OMP_THREAD_LIMIT" in os.environ:
        yield
        return
    os.environ["OMP_THREAD_LIMIT"] = "1"  # pytesseract passes os.environ to the tesseract process
    try:
        yield
    finally:
        os.environ.pop("OMP_THREAD_LIMIT", None)


@dataclass
class Word:
    line: tuple[int, int, int]  # Tesseract block, paragraph, line
    left: int
    right: int
    top: int
    height: int
    text: str
    conf: float


# Remnants of rules and underlines: "|", "[", "__", "———".
_JUNK = re.compile(r"[|\[\]{}]+|_+|[_—–-]{2,}")


def _lines(words: list[Word], columns) -> list[str]:
    """Words grouped by Tesseract line; a table rule or a wide gap between words starts a new cell line."""
    grouped: dict[tuple, list[Word]] = {}
    for word in words:
        grouped.setdefault(word.line, []).append(word)
    lines: list[str] = []
    for line_words in grouped.values():
        height = sorted(w.height for w in line_words)[len(line_words) // 2]
        cell = [line_words[0]]
        for prev, word in zip(line_words, line_words[1:]):
            ruled = columns[word.top:word.top + word.height, prev.right:max(word.left, prev.right + 1)].any()
            if ruled or word.left - prev.right > CELL_GAP * height:
                lines.append(" ".join(w.text for w in cell))
                cell = []
            cell.append(word)
        lines.append(" ".join(w.text for w in cell))
    return [normalise_ocr(line) for line in lines]


def remove_rules(image: Image, dpi: int = RENDER_DPI) -> tuple[Image, object]:
    """Whiten table rules (long straight dark runs), which Tesseract reads as junk letters;
    also returns the mask of vertical rules, which separate table cells."""
    import numpy as np
    from PIL import Image as PilImage

    pixels = np.asarray(image)
    dark = pixels < 140
    length = max(int(dpi * 0.4), 20)  # far longer than any stroke of a letter
    vertical = _runs(dark, length, axis=0)
    rules = _runs(dark, length, axis=1) | vertical
    grown = rules.copy()
    for shift in (-2, -1, 1, 2):  # the blurred halo around a rule
        grown |= np.roll(rules, shift, axis=0) | np.roll(rules, shift, axis=1)
    return PilImage.fromarray(np.where(grown, 255, pixels).astype(np.uint8)), vertical


def _runs(mask, length: int, axis: int):
    """Pixels inside a straight run of at least `length` set pixels along `axis` (opening)."""
    import numpy as np

    m = np.moveaxis(mask, axis, -1).astype(np.int32)
    csum = np.concatenate([np.zeros(m.shape[:-1] + (1,), np.int32), np.cumsum(m, axis=-1)], axis=-1)
    full = (csum[..., length:] - csum[..., :-length]) == length  # window starting at i is all set
    starts = np.concatenate([np.zeros(m.shape[:-1] + (1,), np.int32), np.cumsum(full, axis=-1)], axis=-1)
    n = m.shape[-1]
    idx = np.arange(n)
    lo = np.clip(idx - length + 1, 0, full.shape[-1])
    hi = np.clip(idx + 1, 0, full.shape[-1])
    covered = (starts[..., hi] - starts[..., lo]) > 0  # some full window covers pixel i
    return np.moveaxis(covered, -1, axis)


def render_pdf_page(data: bytes, index: int, dpi: int = RENDER_DPI) -> Image:
    """One PDF page as a greyscale image, with pdfium."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return pdf[index].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        pdf.close()


# ---------------------------------------------------------------- OCR repairs

_COMBINING_AFTER_SPACE = re.compile(r"(?<=\w) +(?=[\u0300-\u036f])")
# Spacing accents Tesseract sometimes emits instead of a combining tone mark.
_SPACING_MARKS = str.maketrans({"\u00b4": "\u0301", "\u02cb": "\u0300", "\u02dc": "\u0303", "\u02c0": "\u0309"})
_SPACING_AFTER_VOWEL = re.compile(r"(?<=[aăâeêioôơuưyAĂÂEÊIOÔƠUƯY])\s?([\u00b4\u02cb\u02dc\u02c0])")
_PERCENT = re.compile(r"(?<=\d)\s*[°º]\s*/\s*[oO0]\b|(?<=\d)\s*[oO0]\s*/\s*[oO0]\b")
_LETTER_O_IN_NUMBER = re.compile(r"(?<=\d)[oO](?=\d)")
# A table cell holding only "32.7": Vietnamese writes decimals with a comma, and a point before one or
# two digits cannot be a thousands separator, so the point is a misread comma.
_DECIMAL_POINT_CELL = re.compile(r"(\d{1,3})\.(\d{1,2})%?")


def normalise_ocr(line: str) -> str:
    """Safe fixes for common Vietnamese OCR faults; never touches a well-formed word."""
    line = _SPACING_AFTER_VOWEL.sub(lambda m: m.group(1).translate(_SPACING_MARKS), line)
    line = _COMBINING_AFTER_SPACE.sub("", line)  # "a ́" (detached tone mark) -> "á"
    line = unicodedata.normalize("NFC", line)
    line = _PERCENT.sub("%", line)  # "32,7°/o" -> "32,7%"
    line = _LETTER_O_IN_NUMBER.sub("0", line)  # "2O24" -> "2024"
    if _DECIMAL_POINT_CELL.fullmatch(line):
        line = line.replace(".", ",")  # a cell "32.7" -> "32,7"
    return line
