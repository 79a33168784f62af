"""Figures for the README's operations page: two `hoidap serve` replicas sharing one PostgreSQL.

    .venv/bin/python -m tests.bench_replicas [--data-dir DIR] [--seconds 40] [--concurrency 4]

Starts a throw-away PostgreSQL (as the tests do) and two replicas over copies of one index of the
sample plans (ingested into DIR when it is empty), then prints: each replica's RSS idle and after
warm-up, requests/s and latency of conversations (a question on one replica, its follow-up on the
other) under a short load, each replica's peak RSS, and PostgreSQL's memory (PSS summed over its
processes, so shared buffers count once). The machine's load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from hoidap.answer.service import AnswerService
from hoidap.eval.bench import _mib, _proc_status
from hoidap.settings import Settings
from tests.processes import PostgresServer, ServeProcess

QUESTIONS = [
    ("chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Sơn La?", "còn Bắc Ninh thì sao?"),
    ("tỷ lệ huy động trẻ nhà trẻ ở Lai Châu?", "còn Hòa Bình thì sao?"),
    ("chủ đề năm học là gì?", "thế còn Lai Châu?"),
]


def pss(pids: list[int]) -> int:
    """Proportional set size of processes, summed (bytes); shared memory is split among them."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def conversation(urls: tuple[str, str], i: int, client: httpx.Client) -> list[float]:
    """A question on one replica and its follow-up on the other; latencies in ms."""
    first, follow = QUESTIONS[i % len(QUESTIONS)]
    a, b = urls if i % 2 == 0 else urls[::-1]
    t0 = time.perf_counter()
    cid = client.post(f"{a}/api/ask", json={"question": first, "new_conversation": True}).json()["conversation_id"]
    t1 = time.perf_counter()
    answer = client.post(f"{b}/api/ask", json={"question": follow, "conversation_id": cid})
    answer.raise_for_status()
    return [(t1 - t0) * 1000, (time.perf_counter() - t1) * 1000]


def load(urls: tuple[str, str], seconds: float, concurrency: int) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(w: int) -> None:
        with httpx.Client(timeout=120) as client:
            i = w
            while time.monotonic() < deadline:
                ms = conversation(urls, i, client)
                with lock:
                    latencies.extend(ms)
                i += concurrency

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    wall = time.perf_counter() - t0
    latencies.sort()
    return {"requests": len(latencies), "rps": len(latencies) / wall,
            "p50": statistics.median(latencies), "p95": latencies[int(0.95 * (len(latencies) - 1))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hoidap-bench-replicas-"))
    data = args.data_dir or tmp / "index"
    service = AnswerService(Settings(data_dir=data))
    service.ensure_sample_corpus()
    service.close()
    folders = []
    for name in ("one", "two"):
        shutil.copytree(data / "qdrant", tmp / name / "qdrant")
        folders.append(tmp / name)
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} CPUs")
    try:
        with PostgresServer() as pg:
            env = {"HOIDAP_DATABASE_URL": pg.url, "HOIDAP_RATE_LIMIT_PER_MINUTE": "0"}
            with ServeProcess({**env, "HOIDAP_DATA_DIR": str(folders[0])}, "--no-sample") as one, \
                    ServeProcess({**env, "HOIDAP_DATA_DIR": str(folders[1])}, "--no-sample") as two:
                replicas = (one, two)
                print("serve RSS idle: " + ", ".join(_mib(_proc_status(r.process.pid)["VmRSS"]) for r in replicas))
                print(f"PostgreSQL PSS idle: {_mib(pss(pg.pids()))}")
                with httpx.Client(timeout=120) as client:
                    for i in range(4):
                        conversation((one.url, two.url), i, client)
                print("serve RSS after warm-up: "
                      + ", ".join(_mib(_proc_status(r.process.pid)["VmRSS"]) for r in replicas))
                result = load((one.url, two.url), args.seconds, args.concurrency)
                print(f"/api/ask over both replicas, {args.concurrency} clients, {args.seconds:.0f} s: "
                      f"{result['rps']:.2f} req/s, p50 {result['p50']:.0f} ms, p95 {result['p95']:.0f} ms "
                      f"({result['requests']} requests)")
                print("serve peak RSS: " + ", ".join(_mib(_proc_status(r.process.pid)["VmHWM"]) for r in replicas))
                print(f"PostgreSQL PSS after load: {_mib(pss(pg.pids()))} over {len(pg.pids())} processes")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
