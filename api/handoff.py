"""Adding plans while `hoidap serve` runs: the server announces itself in its data folder, and
`hoidap ingest` on the same folder hands the files to its admin upload endpoint.

The embedded index admits one process at a time, so the running server does the indexing and
refreshes its own caches; the new plans answer at once. The announcement (`server.json`, mode
0600) holds the URL, the pid and a random local token that the admin endpoints accept besides
HOIDAP_API_KEY, so this works on a server without an API key and only for the folder's owner.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from hoidap.ingest.pipeline import IngestReport, collect_files
from hoidap.ingest.readers import SUPPORTED_SUFFIXES
from hoidap.settings import Settings

MARKER = "server.json"


def announce(settings: Settings, url: str) -> str:
    """Write the marker for this process; returns the local admin token."""
    token = secrets.token_urlsafe(32)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / MARKER
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"url": url, "pid": os.getpid(), "token": token}, out)
    return token


def withdraw(settings: Settings) -> None:
    """Remove the marker if it is still this process's."""
    info = _read(settings)
    if info and info.get("pid") == os.getpid():
        (settings.data_dir / MARKER).unlink(missing_ok=True)


def _read(settings: Settings) -> dict | None:
    try:
        return json.loads((settings.data_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_server(settings: Settings) -> tuple[str, str] | None:
    """(url, token) of a live `hoidap serve` on this data folder, or None."""
    import httpx

    info = _read(settings)
    if not info or not _alive(int(info.get("pid", 0))):
        return None
    try:
        if httpx.get(f"{info['url']}/api/health", timeout=5).status_code != 200:
            return None
    except httpx.HTTPError:
        return None
    return info["url"], info["token"]


def _groups(files: list[Path], max_bytes: int) -> list[list[Path]]:
    """Uploads under the server's size limit, without two files of the same name in one."""
    groups: list[list[Path]] = []
    size = 0
    for path in files:
        n = path.stat().st_size
        current = groups[-1] if groups else None
        if current is None or size + n > max_bytes or any(p.name == path.name for p in current):
            groups.append([path])
            size = n
        else:
            current.append(path)
            size += n
    return groups


def upload(url: str, token: str, paths: list[Path], max_bytes: int) -> IngestReport:
    """Send the files to the running server; its answers make the same report as a local ingest."""
    import httpx

    report = IngestReport(seconds={})
    files = []
    for path in collect_files(paths, report):
        if path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(path)
        else:
            report.failed.append((path.name, f"{path.name}: loại tệp không hỗ trợ (unsupported file type)"))
    with httpx.Client(base_url=url, timeout=None, headers={"X-API-Key": token}) as client:
        for group in _groups(files, max_bytes):
            handles = [path.open("rb") for path in group]
            try:
                response = client.post("/api/admin/ingest", files=[("files", (p.name, h)) for p, h in zip(group, handles)])
            finally:
                for h in handles:
                    h.close()
            _merge(report, group, response)
    return report


def _merge(report: IngestReport, group: list[Path], response) -> None:
    if response.status_code != 200:
        detail = response.json().get("detail", response.text) if response.content else f"HTTP {response.status_code}"
        report.failed += [(p.name, f"{p.name}: {detail}") for p in group]
        return
    body = response.json()
    report.added += body["added"]
    report.replaced += body["replaced"]
    report.unchanged += body["unchanged"]
    report.failed += [(f["file"], f["reason"]) for f in body["failed"]]
    report.chunks += body["chunks"]
    report.warnings += body.get("warnings", [])
