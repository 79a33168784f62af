"""`hoidap bench`: speed and memory figures for the sample corpus, and index scaling.

1. Ingestion (hoidap's real pipeline) split into parsing, embedding and indexing; chunks/s.
2. Query embedding time (median of 50) and in-process search latency; the same figures for a
   plain llama-index pipeline side by side.
3. /api/ask and /api/search over real HTTP at the given concurrency levels: `hoidap serve`
   is started as a subprocess on a free 127.0.0.1 port over the index just built; requests
   are bounded in number and time; the server's peak RSS (VmHWM) is read from /proc.
4. Scale: synthetic corpora of N chunks (real paragraphs with words shuffled inside sentences
   and numbers swapped), RANDOM UNIT VECTORS on the dense side (embedding 100k texts with the
   real model would take hours), indexed in the embedded local Qdrant mode (path=...);
   reports build time, bytes on disk, open time and hybrid search latency per N.

Targets are printed as PASS/FAIL notes; they never change the exit code.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hoidap.eval.metrics import percentile
from hoidap.eval.runner import load_average

INTERACTIVE_MS = 200.0
PHASE_SECONDS = 90.0  # upper bound on one HTTP load phase
SCALE_QUERY_SECONDS = 60.0  # upper bound on the search timings of one synthetic size
FALLBACK_QUESTIONS = [
    "tỷ lệ huy động trẻ nhà trẻ", "chủ đề năm học là gì", "ai ký kế hoạch năm học",
    "chi ngân sách cho giáo dục tối thiểu bao nhiêu", "phổ cập giáo dục mầm non cho trẻ 5 tuổi",
]


class BenchError(Exception):
    """The benchmark could not run (no corpus, server did not start, ...)."""


def _questions() -> list[str]:
    gold = Path(__file__).resolve().parent / "gold.jsonl"
    try:
        out = [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError, KeyError):
        out = []
    return out or FALLBACK_QUESTIONS


def _ms(values: list[float]) -> dict[str, float | None]:
    return {"p50_ms": _r(percentile(values, 50)), "p95_ms": _r(percentile(values, 95)), "n": len(values)}


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(x, nd)


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def _dir_bytes(path: Path) -> int:
    """Bytes allocated on disk (Edge pre-allocates sparse files whose apparent size means nothing)."""
    return sum(p.stat().st_blocks * 512 for p in Path(path).rglob("*") if p.is_file())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_status(pid: int) -> dict[str, int]:
    """VmHWM (peak) and VmRSS of a process, in bytes."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def _mib(n: int | None) -> str:
    return "—" if n is None else f"{n / 2**20:.0f} MiB"


def _note(ok: bool, text: str) -> str:
    return f"  {'PASS' if ok else 'FAIL'}  {text}"


# ------------------------------------------------------------------------------ measurements
def bench_ingest(settings, corpus: Path, questions: list[str], echo) -> dict[str, Any]:
    from hoidap.answer.service import AnswerService

    service = AnswerService(settings)
    try:
        t0 = time.perf_counter()
        report = service.ingest([corpus])
        wall = time.perf_counter() - t0
        if not report.chunks:
            raise BenchError(f"nothing ingested from {corpus}: {report.failed or 'no supported files'}")
        embedding = service.embedding
        embedding.get_query_embedding("khởi động")  # load once
        embed_ms = [_timed(lambda q=q: embedding.get_query_embedding(q)) for q in questions[:50]]
        service.search("khởi động", 8)
        search_ms = [_timed(lambda q=q: service.search(q, 8)) for q in questions[:50]]
        dim = len(embedding.get_query_embedding("chiều"))
        parts = _ask_parts(service, questions[:50])
    finally:
        service.close()
    seconds = dict(report.seconds)
    out = {
        "chunks": report.chunks,
        "files": len(report.added),
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "wall_seconds": round(wall, 2),
        "chunks_per_second": round(report.chunks / wall, 2),
        "query_embedding_ms": {"median": _r(statistics.median(embed_ms), 2), **_ms(embed_ms)},
        "search_in_process": _ms(search_ms),
        "ask_parts": parts,
        "dim": dim,
    }
    echo(
        f"hoidap ingest: {out['files']} files, {out['chunks']} chunks in {wall:.1f} s "
        f"(parse {seconds['parse']:.1f} s, embed {seconds['embed']:.1f} s, index {seconds['index']:.1f} s) "
        f"= {out['chunks_per_second']:.1f} chunks/s"
    )
    echo(f"query embedding: median {out['query_embedding_ms']['median']:.1f} ms over {len(embed_ms)} questions "
         f"(p95 {out['query_embedding_ms']['p95_ms']:.1f} ms)")
    echo("ask in-process, p50 of each part: " + ", ".join(f"{k} {v} ms" for k, v in parts.items()))
    return out


def _ask_parts(service, questions: list[str]) -> dict[str, float | None]:
    """Per question: query embedding, index search (vector given), and the rest of ask() —
    understanding the question and selecting the answer sentences."""
    embed, search, ask = [], [], []
    for q in questions:
        query = service.understand(q)
        t0 = time.perf_counter()
        vector = service.embedding.get_query_embedding(query.text)
        t1 = time.perf_counter()
        service.store.search(query.text, vector, service.settings.top_k, query.provinces or None, "hybrid")
        t2 = time.perf_counter()
        service.ask(q)
        t3 = time.perf_counter()
        embed.append((t1 - t0) * 1000)
        search.append((t2 - t1) * 1000)
        ask.append((t3 - t2) * 1000)
    select = [max(a - e - s, 0.0) for a, e, s in zip(ask, embed, search)]
    return {"embed_ms": _r(percentile(embed, 50), 2), "search_ms": _r(percentile(search, 50), 2),
            "select_ms": _r(percentile(select, 50), 2), "ask_ms": _r(percentile(ask, 50), 2)}


def bench_llamaindex(settings, corpus: Path, questions: list[str], echo) -> dict[str, Any]:
    from hoidap.eval.systems import build_llamaindex
    from hoidap.index.embeddings import build_embedding

    t0 = time.perf_counter()
    built = build_llamaindex(corpus, build_embedding(settings))
    wall = time.perf_counter() - t0
    retriever = built.index.as_retriever(similarity_top_k=8)
    retriever.retrieve("khởi động")
    search_ms = [_timed(lambda q=q: retriever.retrieve(q)) for q in questions[:50]]
    out = {
        "nodes": built.nodes,
        "seconds": built.seconds,
        "wall_seconds": round(wall, 2),
        "chunks_per_second": round(built.nodes / wall, 2) if wall else None,
        "search_in_process": _ms(search_ms),
    }
    echo(f"llama-index ingest: {built.nodes} nodes in {wall:.1f} s ({', '.join(f'{k} {v:.1f} s' for k, v in built.seconds.items())})")
    return out


def _start_server(data_dir: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    # the per-client rate limit of /api/ask would turn a load test into a test of the limiter
    env = dict(os.environ, HOIDAP_DATA_DIR=str(data_dir), HOIDAP_QDRANT_URL="", HOIDAP_RATE_LIMIT_PER_MINUTE="0")
    cmd = [sys.executable, "-m", "hoidap.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-sample"]
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    proc._bench_log = log  # type: ignore[attr-defined]
    return proc, f"http://127.0.0.1:{port}"


def _stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    log = getattr(proc, "_bench_log", None)
    if log:
        log.close()


def _wait_ready(client, proc: subprocess.Popen, log_path: Path, timeout: float = 180.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-1500:]
            raise BenchError(f"the API server exited with code {proc.returncode}:\n{tail}")
        try:
            if client.get("/api/health").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise BenchError(f"the API server did not answer /api/health within {timeout:.0f} s")


def _load_phase(client, path: str, make_body: Callable[[str], dict], questions: list[str], n: int, concurrency: int) -> dict[str, Any]:
    """n requests with `concurrency` in flight; stops submitting after PHASE_SECONDS."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + PHASE_SECONDS

    def one(i: int) -> None:
        if time.monotonic() > deadline:
            return
        t0 = time.perf_counter()
        try:
            response = client.post(path, json=make_body(questions[i % len(questions)]))
            ok = response.status_code == 200
            detail = f"HTTP {response.status_code}"
        except Exception as exc:  # noqa: BLE001 - counted and reported
            ok, detail = False, type(exc).__name__
        ms = (time.perf_counter() - t0) * 1000
        with lock:
            (latencies.append(ms) if ok else errors.append(detail))

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    done = len(latencies)
    return {
        **_ms(latencies), "errors": len(errors), "error_kinds": sorted(set(errors))[:5],
        "requests_per_second": round(done / wall, 2) if wall else None, "seconds": round(wall, 1),
    }


def bench_http(data_dir: Path, tmp: Path, levels: list[int], n: int, questions: list[str], echo) -> dict[str, Any]:
    import httpx

    log_path = tmp / "server.log"
    proc, url = _start_server(data_dir, log_path)
    out: dict[str, Any] = {"url": url, "levels": {}}
    try:
        limits = httpx.Limits(max_connections=max(levels) + 2, max_keepalive_connections=max(levels) + 2)
        with httpx.Client(base_url=url, timeout=120.0, limits=limits) as client:
            t0 = time.perf_counter()
            _wait_ready(client, proc, log_path)
            out["startup_seconds"] = round(time.perf_counter() - t0, 1)
            for q in questions[:3]:  # first requests load the model and corpus statistics
                client.post("/api/search", json={"query": q, "top_k": 8})
                client.post("/api/ask", json={"question": q})
            out["rss_after_warmup"] = _proc_status(proc.pid).get("VmRSS")
            for c in levels:
                count = max(n, c) if c > 1 else n
                level = {
                    "search": _load_phase(client, "/api/search", lambda q: {"query": q, "top_k": 8}, questions, count, c),
                    "ask": _load_phase(client, "/api/ask", lambda q: {"question": q}, questions, count, c),
                }
                out["levels"][str(c)] = level
                for name in ("ask", "search"):
                    m = level[name]
                    echo(
                        f"/api/{name:<6} concurrency {c}: p50 {m['p50_ms']} ms, p95 {m['p95_ms']} ms, "
                        f"{m['requests_per_second']} req/s over {m['n']} requests"
                        + (f", {m['errors']} errors {m['error_kinds']}" if m["errors"] else "")
                    )
        status = _proc_status(proc.pid)
        out["peak_rss_bytes"] = status.get("VmHWM")
        out["rss_bytes"] = status.get("VmRSS")
        echo(f"server memory: peak RSS {_mib(out['peak_rss_bytes'])} (now {_mib(out['rss_bytes'])}, "
             f"after warm-up {_mib(out['rss_after_warmup'])}); started in {out['startup_seconds']} s")
    finally:
        _stop_server(proc)
    return out


# ------------------------------------------------------------------------------------- scale
_NUMBER = re.compile(r"\d+")


def perturb(text: str, rng: random.Random) -> str:
    """Words shuffled inside each sentence, every number replaced by another of the same length."""
    from hoidap.vietnamese import split_sentences

    parts = []
    for a, b in split_sentences(text) or [(0, len(text))]:
        words = text[a:b].split()
        rng.shuffle(words)
        parts.append(" ".join(words))
    swapped = _NUMBER.sub(lambda m: str(rng.randrange(10 ** (len(m.group()) - 1) if len(m.group()) > 1 else 0,
                                                      10 ** len(m.group()))), " ".join(parts))
    return swapped


def synthetic_chunks(real: list, n: int, seed: int = 13, per_doc: int = 200) -> list:
    """n chunks made from the real ones: perturbed text, new documents of `per_doc` chunks each."""
    from dataclasses import replace

    from hoidap.ingest.chunking import chunk_id

    rng = random.Random(seed)
    provinces = sorted({c.metadata.province for c in real if c.metadata.province}) or [""]
    out = []
    for k in range(n):
        base = real[k % len(real)]
        doc, ordinal = divmod(k, per_doc)
        content_hash = f"syn{seed}-{doc:06d}"
        meta = replace(base.metadata, province=provinces[doc % len(provinces)], evidence={})
        out.append(
            replace(
                base, id=chunk_id(content_hash, ordinal), doc_id=f"synthetic_{doc:06d}.txt",
                source=f"synthetic_{doc:06d}.txt", ordinal=ordinal, text=perturb(base.text, rng),
                metadata=meta, content_hash=content_hash, footnotes={},
            )
        )
    return out


def random_unit_vectors(n: int, dim: int, seed: int = 7):
    import numpy as np

    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, dim)).astype("float32")
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


LOCAL_MODE_MAX = 10_000  # qdrant-client's local mode scores in Python: larger sizes take too long
SCALE_ENGINES = ("edge", "local")


def _scale_store(engine: str, folder: Path, dim: int):
    """A ChunkStore on Qdrant Edge, or on qdrant-client's local mode (path=...) for comparison."""
    from hoidap.index.store import ChunkStore
    from hoidap.settings import Settings

    settings = Settings(data_dir=folder, qdrant_url=None, embedding_dim=dim)
    if engine == "edge":
        return ChunkStore(settings)
    from qdrant_client import QdrantClient

    from hoidap.index.engines.server import ServerEngine

    folder.mkdir(parents=True, exist_ok=True)
    return ChunkStore(settings, ServerEngine(QdrantClient(path=str(folder / "qdrant")), "hoidap", dim, False))


def _scale_build(engine: str, n: int, folder: Path, dim: int, corpus: Path) -> dict[str, Any]:
    """Worker: write n synthetic chunks in batches of 1,000, then optimise."""
    from hoidap.index.store import to_point
    from hoidap.settings import Settings

    chunks = synthetic_chunks(_real_chunks(corpus, Settings().chunk_max_chars), n)
    vectors = random_unit_vectors(n, dim)
    store = _scale_store(engine, folder, dim)
    points = [to_point(c, v) for c, v in zip(chunks, vectors.tolist())]  # keyword vectors, outside the timing
    t0 = time.perf_counter()
    for i in range(0, n, 1000):
        store.engine.upsert(points[i : i + 1000])
    upsert = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.optimize()
    optimize = time.perf_counter() - t0
    store.close()
    return {"upsert_seconds": round(upsert, 2), "upserts_per_second": round(n / upsert),
            "optimize_seconds": round(optimize, 2), "bytes_on_disk": _dir_bytes(folder)}


def _scale_query(engine: str, n: int, folder: Path, dim: int, questions: list[str]) -> dict[str, Any]:
    """Worker: reopen the index and time hybrid searches without and with a province filter."""
    import qdrant_client  # noqa: F401 - imports outside the timed open
    import qdrant_edge  # noqa: F401

    import hoidap.index.store  # noqa: F401

    t0 = time.perf_counter()
    store = _scale_store(engine, folder, dim)
    count = store.count()
    opened = time.perf_counter() - t0
    vectors = random_unit_vectors(len(questions), dim, seed=99).tolist()
    out: dict[str, Any] = {"chunks": count, "open_seconds": round(opened, 2)}
    for label, provinces in (("hybrid", None), ("hybrid_filtered", ["Lai Châu"])):
        store.search(questions[0], vectors[0], 8, provinces, "hybrid")
        latencies: list[float] = []
        deadline = time.monotonic() + SCALE_QUERY_SECONDS
        for q, vec in zip(questions, vectors):
            latencies.append(_timed(lambda q=q, vec=vec: store.search(q, vec, 8, provinces, "hybrid")))
            if time.monotonic() > deadline and len(latencies) >= 3:
                break
        out[label] = _ms(latencies)
    store.close()
    return out


def _worker(args: list[str]) -> None:
    """`python -m hoidap.eval.bench scale build|query ENGINE N FOLDER DIM CORPUS`: one measurement in a
    fresh process, so that its peak RSS belongs to that engine and size alone."""
    phase, engine, n, folder, dim, corpus = args
    if phase == "build":
        result = _scale_build(engine, int(n), Path(folder), int(dim), Path(corpus))
    else:
        result = _scale_query(engine, int(n), Path(folder), int(dim), _questions()[:50])
    result["peak_rss_bytes"] = _proc_status(os.getpid()).get("VmHWM")
    print(json.dumps(result))


def _run_worker(phase: str, engine: str, n: int, folder: Path, dim: int, corpus: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "hoidap.eval.bench", "scale", phase, engine, str(n), str(folder), str(dim), str(corpus)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"scale {phase} {engine} {n} failed:\n{done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_serve_at(folder: Path, questions: list[str], tmp: Path) -> dict[str, Any]:
    """`hoidap serve` over a synthetic index: /api/ask p50 and the server's peak RSS."""
    import httpx

    log_path = tmp / f"serve-{folder.name}.log"
    proc, url = _start_server(folder, log_path)
    try:
        with httpx.Client(base_url=url, timeout=300.0) as client:
            _wait_ready(client, proc, log_path)
            first = _timed(lambda: client.post("/api/ask", json={"question": questions[0]}))
            ask = [_timed(lambda q=q: client.post("/api/ask", json={"question": q})) for q in questions[1:21]]
        status = _proc_status(proc.pid)
    finally:
        _stop_server(proc)
    return {"first_ask_ms": _r(first), "ask": _ms(ask), "peak_rss_bytes": status.get("VmHWM")}


def bench_scale(tmp: Path, corpus: Path, sizes: list[int], dim: int, questions: list[str], echo) -> dict[str, Any]:
    """Each size on Qdrant Edge and (up to LOCAL_MODE_MAX) on qdrant-client's local mode; then
    `hoidap serve` over the Edge index."""
    results: dict[str, Any] = {}
    for n in sizes:
        for engine in SCALE_ENGINES:
            if engine == "local" and n > LOCAL_MODE_MAX:
                continue
            folder = tmp / f"scale_{engine}_{n}"
            build = _run_worker("build", engine, n, folder, dim, corpus)
            query = _run_worker("query", engine, n, folder, dim, corpus)
            row = {**build, **query, "build_peak_rss_bytes": build["peak_rss_bytes"]}
            row["interactive"] = query["hybrid"]["p50_ms"] is not None and query["hybrid"]["p50_ms"] <= INTERACTIVE_MS
            results[f"{engine}:{n}"] = row
            echo(_scale_line(engine, n, row))
        serve = bench_serve_at(tmp / f"scale_edge_{n}", questions, tmp)
        results[f"serve:{n}"] = serve
        echo(f"  hoidap serve over edge {n}: /api/ask p50 {serve['ask']['p50_ms']} ms, p95 {serve['ask']['p95_ms']} ms "
             f"(first ask {serve['first_ask_ms']} ms), peak RSS {_mib(serve['peak_rss_bytes'])}")
    return results


def _scale_line(engine: str, n: int, row: dict[str, Any]) -> str:
    h, f = row["hybrid"], row["hybrid_filtered"]
    return (
        f"{engine:<5} {n:>7} chunks: upsert {row['upserts_per_second']}/s, optimise {row['optimize_seconds']} s, "
        f"{row['bytes_on_disk'] / 2**20:.0f} MiB on disk, open {row['open_seconds']} s, hybrid p50/p95 "
        f"{h['p50_ms']}/{h['p95_ms']} ms, with province filter {f['p50_ms']}/{f['p95_ms']} ms, "
        f"search RSS {_mib(row['peak_rss_bytes'])}"
    )


# ---------------------------------------------------------------------------------------- run
def run_bench(
    corpus: Path, sizes: list[int], levels: list[int], requests: int, baseline: bool = True,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    from hoidap.settings import Settings

    if not Path(corpus).exists():
        raise BenchError(f"corpus not found: {corpus}")
    questions = _questions()
    result: dict[str, Any] = {
        "corpus": str(corpus),
        "host": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "load_average_start": load_average()},
    }
    echo(f"hoidap bench — corpus {corpus}, {os.cpu_count()} CPUs, load average {result['host']['load_average_start']}")
    with tempfile.TemporaryDirectory(prefix="hoidap-bench-") as name:
        tmp = Path(name)
        settings = Settings(data_dir=tmp / "hoidap", qdrant_url=None)
        result["embedding_backend"] = settings.embedding_backend
        echo("\n== ingestion and queries, in-process ==")
        result["hoidap"] = bench_ingest(settings, Path(corpus), questions, echo)
        if baseline:
            result["llamaindex"] = bench_llamaindex(settings, Path(corpus), questions, echo)
        _print_side_by_side(result, echo)
        if levels:
            echo(f"\n== HTTP API (hoidap serve on 127.0.0.1, {requests} requests per endpoint and level, "
                 "rate limit off) ==")
            result["http"] = bench_http(settings.data_dir, tmp, levels, requests, questions, echo)
        if sizes:
            echo("\n== index scale: Qdrant Edge vs qdrant-client local mode (path=...), synthetic chunks, "
                 "RANDOM unit vectors ==")
            result["scale"] = bench_scale(tmp, Path(corpus), sizes, result["hoidap"]["dim"], questions, echo)
    result["host"]["load_average_end"] = load_average()
    result["targets"] = _targets(result, echo)
    return result


def _real_chunks(corpus: Path, max_chars: int) -> list:
    from hoidap.ingest.chunking import chunk_document
    from hoidap.ingest.parse import parse_document
    from hoidap.ingest.pipeline import IngestReport, collect_files

    return [c for p in collect_files([corpus], IngestReport()) for c in chunk_document(parse_document(p), max_chars)]


def _print_side_by_side(result: dict[str, Any], echo) -> None:
    h, li = result["hoidap"], result.get("llamaindex")
    rows = [
        ("chunks / nodes", h["chunks"], li and li["nodes"]),
        ("parse s", h["seconds"]["parse"], li and li["seconds"]["parse"]),
        ("chunk s", "(in parse)", li and li["seconds"]["chunk"]),
        ("embed s", h["seconds"]["embed"], li and li["seconds"]["embed"]),
        ("index s", h["seconds"]["index"], li and li["seconds"]["index"]),
        ("total s", h["wall_seconds"], li and li["wall_seconds"]),
        ("chunks/s", h["chunks_per_second"], li and li["chunks_per_second"]),
        ("search p50 ms (in-process)", h["search_in_process"]["p50_ms"], li and li["search_in_process"]["p50_ms"]),
        ("search p95 ms (in-process)", h["search_in_process"]["p95_ms"], li and li["search_in_process"]["p95_ms"]),
    ]
    echo(f"\n{'':<28}{'hoidap':>12}{'llama-index':>14}")
    for label, a, b in rows:
        echo(f"{label:<28}{str(a):>12}{str(b if b is not None else '—'):>14}")


def _targets(result: dict[str, Any], echo) -> list[dict[str, Any]]:
    echo("\n== targets (notes only; never fail the command) ==")
    out = []
    h = result["hoidap"]
    embed_ms = h["query_embedding_ms"]["median"]
    http = result.get("http", {}).get("levels", {})
    ask = http.get("1", {}).get("ask", {}).get("p50_ms") if http else None
    parts = h.get("ask_parts", {})
    if ask is not None and parts.get("embed_ms") is not None:
        bound = 2 * (parts["embed_ms"] + parts["select_ms"])
        ok = ask <= bound
        out.append({"target": "ask p50 <= 2x (query embedding + answer selection)", "ok": ok, "value": ask, "bound": round(bound, 1)})
        echo(_note(ok, f"/api/ask p50 {ask:.1f} ms vs 2 x (embedding {parts['embed_ms']} ms + selection "
                       f"{parts['select_ms']} ms) = {bound:.1f} ms"))
    search = h["search_in_process"]["p50_ms"]
    sample_search = parts.get("search_ms")
    if sample_search is not None:
        ok = sample_search <= 5
        out.append({"target": "sample hybrid search p50 <= 5 ms", "ok": ok, "value": sample_search, "bound": 5})
        echo(_note(ok, f"hybrid search p50 on the sample {sample_search} ms (query embedding excluded) vs 5 ms "
                       f"(with embedding: {search} ms)"))
    for key, row in result.get("scale", {}).items():
        engine, _, n = key.partition(":")
        if engine == "edge" and int(n) >= 100_000:
            for label in ("hybrid", "hybrid_filtered"):
                p50 = row[label]["p50_ms"]
                ok = p50 is not None and p50 <= 20
                out.append({"target": f"{label} p50 <= 20 ms at {n}", "ok": ok, "value": p50, "bound": 20})
                echo(_note(ok, f"{label.replace('_', ' ')} p50 at {n} chunks: {p50} ms vs 20 ms"))
        if engine == "serve" and int(n) >= 100_000 and row.get("peak_rss_bytes"):
            ok = row["peak_rss_bytes"] <= 1.5 * 2**30
            out.append({"target": f"server RSS <= 1.5 GiB at {n}", "ok": ok, "value": row["peak_rss_bytes"], "bound": int(1.5 * 2**30)})
            echo(_note(ok, f"hoidap serve peak RSS at {n} chunks {_mib(row['peak_rss_bytes'])} vs 1536 MiB"))
    embed_s = h["seconds"]["embed"]
    ok = h["wall_seconds"] <= 1.5 * embed_s
    out.append({"target": "ingest <= 1.5x embedding", "ok": ok, "value": h["wall_seconds"], "bound": round(1.5 * embed_s, 1)})
    echo(_note(ok, f"ingestion {h['wall_seconds']:.1f} s vs 1.5 x embedding {embed_s:.1f} s = {1.5 * embed_s:.1f} s "
                   f"({h['wall_seconds'] / embed_s:.2f}x)"))
    rss = result.get("http", {}).get("peak_rss_bytes")
    if rss:
        ok = rss < 2**30
        out.append({"target": "serving peak RSS < 1 GiB", "ok": ok, "value": rss, "bound": 2**30})
        echo(_note(ok, f"serving peak RSS {_mib(rss)} vs 1024 MiB"))
    load = result["host"].get("load_average_end")
    if load and result["host"]["cpus"] and load[0] > result["host"]["cpus"]:
        echo(f"  note: load average {load} above {result['host']['cpus']} CPUs — other work on this machine inflates latencies")
    return out


if __name__ == "__main__":  # the scale workers (see _worker)
    if sys.argv[1:2] == ["scale"]:
        _worker(sys.argv[2:])
