"""The ingested original files, kept so every citation can open the document it quotes.

Originals live flat under HOIDAP_DATA_DIR/originals, one file per indexed document, named by the
document's source id (its file name). A lookup only ever returns an existing entry of that folder,
so no name (../, absolute, encoded separators) can reach a file outside it.
"""

from __future__ import annotations

import mimetypes
import shutil
from pathlib import Path

from hoidap.errors import DocumentNotFound

_TEXT_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".html": "text/html", ".htm": "text/html"}


class Originals:
    """A folder of original files keyed by source name."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def keep(self, path: Path) -> None:
        """Copy an ingested file in (replacing an older version of the same document)."""
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, self.root / path.name)

    def path(self, source: str) -> Path:
        """The stored original of `source`; DocumentNotFound for anything not stored here."""
        if not is_plain_name(source) or not self.root.is_dir():
            raise DocumentNotFound(f"không có bản gốc của văn bản {source!r} (no original stored)")
        entries = {entry.name: entry for entry in self.root.iterdir() if entry.is_file() and not entry.is_symlink()}
        if source not in entries:
            raise DocumentNotFound(f"không có bản gốc của văn bản {source!r} (no original stored)")
        return entries[source]

    def remove(self, source: str) -> bool:
        """Delete the original of a removed document; False when there was none."""
        try:
            self.path(source).unlink()
        except DocumentNotFound:
            return False
        return True


def is_plain_name(name: str) -> bool:
    """A bare file name: no folder part, no traversal, no control characters."""
    return (
        bool(name) and name not in {".", ".."} and not any(ch in name for ch in "/\\")
        and not any(ord(ch) < 32 for ch in name) and len(name) <= 255
    )


def media_type(path: Path) -> str:
    """Content type of an original; text types say they are UTF-8 (the readers require it)."""
    suffix = path.suffix.lower()
    if suffix in _TEXT_TYPES:
        return f"{_TEXT_TYPES[suffix]}; charset=utf-8"
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def opens_inline(path: Path) -> bool:
    """PDFs, images and plain text open in the browser; HTML is downloaded, never run on our origin."""
    return path.suffix.lower() not in {".html", ".htm", ".docx"}
