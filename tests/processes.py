"""Real processes the deployment tests drive: a throw-away PostgreSQL cluster and `hoidap serve`."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.conftest import free_port


def postgres_bin(name: str) -> str:
    """A PostgreSQL server binary from Debian's package (.ci/install-postgres installs it)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: run ./.ci/install-postgres (or make install-test)")
    return found[-1]


def copy_sample_index(service, folder: Path) -> Path:
    """A copy of the session's sample index as a fresh data folder (ingesting again would take a minute).
    The store is closed first so the copy is consistent; it reopens on next use."""
    service.store.close()
    service._store = None
    shutil.copytree(service.settings.index_path, folder / service.settings.index_path.name)
    return folder


class PostgresServer:
    """initdb + pg_ctl in a temporary folder on a free port; as the `postgres` user when we are root
    (the server refuses to run as root). Trust authentication, local TCP only."""

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="hoidap-pg-"))
        self.data = self.root / "data"
        self.url = f"postgresql+psycopg://hoidap@127.0.0.1:{self.port}/postgres"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, text=True, timeout=120)

    def __enter__(self) -> "PostgresServer":
        self._run(postgres_bin("initdb"), "-D", str(self.data), "-U", "hoidap", "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "start")
        return self

    def pids(self) -> list[int]:
        """The postmaster and its children (for memory figures)."""
        main = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == main:
                children.append(int(stat.parent.name))
        return [main, *children]

    def __exit__(self, *exc) -> None:
        try:
            self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class ServeProcess:
    """`hoidap serve` as a user starts it, in a subprocess on a free port; its stderr (JSON logs) in a file."""

    def __init__(self, env: dict[str, str], *args: str, host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.log_path = Path(tempfile.mkstemp(prefix="hoidap-serve-", suffix=".log")[1])
        self._command = [sys.executable, "-m", "hoidap", "serve", "--host", host, "--port", str(self.port), *args]
        self._env = {**os.environ, **env}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "ServeProcess":
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self._command, env=self._env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hoidap serve exited {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=30).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"hoidap serve did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
