"""Admin ingest over HTTP: bounded multipart reading, file-name and type checks, temp storage."""

from __future__ import annotations

import shutil
from pathlib import Path, PureWindowsPath

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message, Receive

from hoidap.api.security import BadUpload, UnsupportedUpload, UploadTooLarge
from hoidap.ingest.readers import SUPPORTED_SUFFIXES

MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the files
MAX_FILES = 50


def _too_large(limit: int) -> UploadTooLarge:
    return UploadTooLarge(
        f"Tệp tải lên quá lớn: tối đa {limit} byte mỗi lần gửi (upload larger than HOIDAP_MAX_UPLOAD_BYTES)."
    )


def _limited(receive: Receive, limit: int) -> Receive:
    """A receive channel that fails as soon as the body passes `limit` bytes (chunked uploads too)."""
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _too_large(limit - MULTIPART_OVERHEAD)
        return message

    return limited


async def read_files(request: Request, max_bytes: int) -> list[UploadFile]:
    """The uploaded files, refusing bodies over max_bytes (413) before or while reading them."""
    limit = max_bytes + MULTIPART_OVERHEAD
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(max_bytes)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedUpload(
            "Hãy gửi tệp dạng multipart/form-data, trường 'files' (expected multipart/form-data)."
        )
    form = await Request(request.scope, _limited(request.receive, limit)).form(max_files=MAX_FILES)
    files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
    if not files:
        raise BadUpload("Không có tệp nào được gửi: dùng trường 'files' (no file in the upload).")
    for upload in files:
        if upload.size is not None and upload.size > max_bytes:
            raise UploadTooLarge(f"{upload.filename}: tệp quá lớn, tối đa {max_bytes} byte (file too large).")
    return files


def safe_name(raw: str | None) -> str:
    """The bare file name (no folders, no traversal); it becomes the document's source id."""
    name = PureWindowsPath((raw or "").replace("\x00", "")).name.strip()
    if not name or name in {".", ".."} or any(ord(ch) < 32 for ch in name):
        raise BadUpload(f"Tên tệp không hợp lệ: {raw!r} (invalid file name).")
    return name


def check_types(files: list[UploadFile]) -> list[str]:
    """Safe, unique names of the files; 415 naming every file whose type cannot be indexed."""
    names = [safe_name(f.filename) for f in files]
    bad = [n for n in names if Path(n).suffix.lower() not in SUPPORTED_SUFFIXES]
    if bad:
        allowed = " ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedUpload(
            f"Loại tệp không hỗ trợ: {', '.join(bad)}. Chỉ nhận: {allowed} (unsupported file type)."
        )
    if len(set(names)) != len(names):
        raise BadUpload("Hai tệp trùng tên trong cùng một lần gửi (duplicate file names).")
    return names


def save_files(files: list[UploadFile], names: list[str], folder: Path) -> list[Path]:
    """Write the uploads under their own names (blocking: run in a worker thread)."""
    paths = []
    for upload, name in zip(files, names):
        path = folder / name
        upload.file.seek(0)
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        paths.append(path)
    return paths
