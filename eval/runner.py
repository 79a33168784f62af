"""Run systems over gold items, score every item, aggregate, and assemble the report dict."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hoidap.eval.gold import Evidence, GoldItem, contains, squash
from hoidap.eval.metrics import fact_share, mean, mrr_at_k, ndcg_at_k, percentile, precision_recall, recall_at_k
from hoidap.eval.systems import SYSTEMS, TOP_K, EvalError, Passage, Reply, Workspace

RETRIEVAL_METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
ANSWER_METRICS = (
    "fact_accuracy", "fact_share", "citation_precision", "citation_recall",
    "abstention_precision", "abstention_recall",
)
LATENCY_METRICS = ("latency_p50_ms", "latency_p95_ms", "search_p50_ms", "search_p95_ms")
WARMUP_QUESTION = "kế hoạch năm học"
SNIPPET = 300


def holds(passage: Passage, evidence: list[Evidence]) -> set[int]:
    """Indices of the evidence quotes this passage holds (same document, quote inside)."""
    content = squash(passage.content)
    return {i for i, ev in enumerate(evidence) if passage.doc == ev.doc and squash(ev.quote) in content}


def score_item(item: GoldItem, passages: list[Passage], reply: Reply | None) -> dict[str, Any]:
    """Per-item scores; a key is absent when the metric does not apply to the item."""
    scores: dict[str, Any] = {}
    if item.answerable and item.evidence:
        covered = [holds(p, item.evidence) for p in passages]
        n = len(item.evidence)
        scores["recall@1"] = recall_at_k(covered, n, 1)
        scores["recall@5"] = recall_at_k(covered, n, 5)
        scores["recall@10"] = recall_at_k(covered, n, 10)
        scores["mrr@10"] = mrr_at_k(covered, 10)
        scores["ndcg@10"] = ndcg_at_k(covered, n, 10)
    if reply is None:
        return scores
    scores["abstained"] = reply.abstained
    if item.answerable:
        share = 0.0 if reply.abstained else fact_share(item.facts, reply.answer, contains)
        scores["fact_share"] = share
        scores["fact_accuracy"] = 1.0 if share == 1.0 else 0.0
        held = [holds(c, item.evidence) for c in reply.citations] if not reply.abstained else []
        if held:
            scores["citation_precision"] = sum(1 for h in held if h) / len(held)
        scores["citation_recall"] = len(set().union(*held)) / len(item.evidence) if held else 0.0
    return scores


def aggregate(items: list[GoldItem], results: list[dict[str, Any]], answers: bool) -> dict[str, Any]:
    """Mean of per-item scores (where defined), abstention precision/recall, latency percentiles."""
    out: dict[str, Any] = {
        "n": len(items),
        "n_answerable": sum(1 for i in items if i.answerable),
        "n_unanswerable": sum(1 for i in items if not i.answerable),
        "errors": sum(1 for r in results if r.get("error")),
    }
    scores = [r["scores"] for r in results]
    for key in RETRIEVAL_METRICS:
        out[key] = mean(s.get(key) for s in scores)
    out["search_p50_ms"] = percentile([r["search_ms"] for r in results if r.get("search_ms") is not None], 50)
    out["search_p95_ms"] = percentile([r["search_ms"] for r in results if r.get("search_ms") is not None], 95)
    if answers:
        for key in ("fact_accuracy", "fact_share", "citation_precision", "citation_recall"):
            out[key] = mean(s.get(key) for s in scores)
        pairs = [(not i.answerable, s["abstained"]) for i, s in zip(items, scores) if "abstained" in s]
        precision, recall = precision_recall([t for t, _ in pairs], [p for _, p in pairs])
        out["abstention_precision"] = precision
        out["abstention_recall"] = recall
        out["abstained"] = sum(1 for _, p in pairs if p)
        modes: dict[str, int] = {}
        for r in results:
            if r.get("mode"):
                modes[r["mode"]] = modes.get(r["mode"], 0) + 1
        out["answer_modes"] = modes
        asks = [r["ask_ms"] for r in results if r.get("ask_ms") is not None]
        out["latency_p50_ms"] = percentile(asks, 50)
        out["latency_p95_ms"] = percentile(asks, 95)
    return out


def breakdowns(items: list[GoldItem], results: list[dict[str, Any]], answers: bool) -> dict[str, dict]:
    groups: dict[str, Callable[[GoldItem], str]] = {
        "by_type": lambda i: i.type,
        "by_province": lambda i: i.province_key,
        "by_diacritics": lambda i: "with" if i.diacritics else "without",
    }
    out: dict[str, dict] = {}
    for name, key in groups.items():
        buckets: dict[str, list[int]] = {}
        for n, item in enumerate(items):
            buckets.setdefault(key(item), []).append(n)
        out[name] = {
            value: aggregate([items[n] for n in idx], [results[n] for n in idx], answers)
            for value, idx in sorted(buckets.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        }
    return out


def _passage_dict(p: Passage, evidence: list[Evidence], full: bool) -> dict[str, Any]:
    """A passage in the report: the top 3 with section and text, the rest by document only."""
    d = {"doc": p.doc, "score": round(p.score, 4), "holds": sorted(holds(p, evidence))}
    if full:
        d["section"] = p.section
        d["text"] = p.text if len(p.text) <= SNIPPET else p.text[: SNIPPET - 1] + "…"
    if p.quote:
        d["quote"] = p.quote
    return d


def run_system(name: str, system, items: list[GoldItem], progress: bool) -> list[dict[str, Any]]:
    from tqdm import tqdm

    try:  # first calls load models and corpus statistics: keep them out of the timings
        system.search(WARMUP_QUESTION, TOP_K)
        if system.answers:
            system.ask(WARMUP_QUESTION)
    except Exception:  # noqa: BLE001 - a failing warm-up shows up again, per item, below
        pass
    results = []
    for item in tqdm(items, desc=f"eval {name}", unit="q", disable=not progress, leave=False):
        record: dict[str, Any] = {"search_ms": None, "ask_ms": None}
        passages: list[Passage] = []
        reply: Reply | None = None
        errors = []
        try:
            t0 = time.perf_counter()
            passages = system.search(item.question, TOP_K)
            record["search_ms"] = _elapsed_ms(t0, system)
        except Exception as exc:  # noqa: BLE001 - one failing question must not stop a run
            errors.append(f"search: {_error(exc)}")
        if system.answers:
            try:
                t0 = time.perf_counter()
                reply = system.ask(item.question)
                record["ask_ms"] = _elapsed_ms(t0, system)
            except Exception as exc:  # noqa: BLE001
                errors.append(f"ask: {_error(exc)}")
                reply = Reply("", False, [])
        record["scores"] = score_item(item, passages, reply)
        record["retrieved"] = [_passage_dict(p, item.evidence, n < 3) for n, p in enumerate(passages)]
        if reply is not None:
            record["answer"] = reply.answer
            record["abstained"] = reply.abstained
            record["mode"] = reply.mode
            record["citations"] = [_passage_dict(c, item.evidence, False) for c in reply.citations]
        if errors:
            record["error"] = "; ".join(errors)
        results.append(record)
    return results


def _elapsed_ms(t0: float, system) -> float:
    """Wall time of the call minus any rate-limit wait the system reports."""
    return (time.perf_counter() - t0 - getattr(system, "last_wait", 0.0)) * 1000


def _error(exc: Exception) -> str:
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return f"needs the module {exc.name!r}, which is not installed; installing hoidap with its dependencies adds it"
    return f"{type(exc).__name__}: {exc}" if not isinstance(exc, EvalError) else str(exc)


def failure_reasons(item: GoldItem, record: dict[str, Any], answers: bool) -> list[str]:
    s = record["scores"]
    reasons = []
    if record.get("error"):
        reasons.append(f"error: {record['error']}")
    if item.answerable:
        if s.get("recall@10", 1.0) == 0.0:
            reasons.append("no evidence in the top 10")
        elif s.get("recall@10", 1.0) < 1.0:
            reasons.append("part of the evidence not in the top 10")
        if answers:
            if record.get("abstained"):
                reasons.append("abstained on an answerable question")
            elif s.get("fact_accuracy") == 0.0:
                missing = [f for f in item.facts if not contains(record.get("answer", ""), f)]
                reasons.append("facts missing from the answer: " + "; ".join(missing))
            if s.get("citation_precision") == 0.0:
                reasons.append("no cited passage holds the evidence")
    elif answers and not record.get("abstained"):
        reasons.append("answered a question the corpus cannot answer")
    return reasons


def run_eval(
    items: list[GoldItem],
    systems: list[str],
    corpus: Path,
    url: str | None = None,
    data_dir: Path | None = None,
    progress: bool = True,
    gold_path: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Every system over every item; the report as a JSON-ready dict."""
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        raise EvalError(f"unknown system(s): {', '.join(unknown)} (known: {', '.join(SYSTEMS)})")
    started = time.perf_counter()
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    load_before = load_average()
    ws = Workspace(corpus, data_dir, progress, log)
    ws.gold = items
    per_system: dict[str, Any] = {}
    item_results: dict[str, list[dict[str, Any]]] = {}
    try:
        for name in systems:
            spec = SYSTEMS[name]
            t0 = time.perf_counter()
            try:
                system = spec.build(ws, url if name == "hoidap" else None)
            except Exception as exc:  # noqa: BLE001 - report the system as failed, run the others
                log(f"! {name}: could not be built: {_error(exc)}")
                per_system[name] = {"answers": spec.answers, "description": spec.description, "error": _error(exc)}
                continue
            setup = time.perf_counter() - t0
            try:
                results = run_system(name, system, items, progress)
            finally:
                system.close()
            run_seconds = time.perf_counter() - t0 - setup
            item_results[name] = results
            per_system[name] = {
                "answers": spec.answers,
                "description": spec.description if not (url and name == "hoidap") else f"hoidap API at {url}",
                "setup_seconds": round(setup, 2),
                "run_seconds": round(run_seconds, 2),
                "overall": aggregate(items, results, spec.answers),
                **breakdowns(items, results, spec.answers),
            }
            if isinstance(system, _llamaindex_type()):
                per_system[name]["build"] = {"nodes": system.build.nodes, "seconds": system.build.seconds}
            log(f"  {name}: setup {setup:.1f}s, {len(items)} questions in {run_seconds:.1f}s")
    finally:
        ws.close()
    meta = _meta(items, systems, corpus, url, gold_path, when, time.perf_counter() - started, ws)
    meta["host"]["load_average"] = {"start": load_before, "end": load_average()}
    report = {
        "meta": meta,
        "systems": per_system,
        "items": _items(items, item_results),
    }
    report["failures"] = failures(report, items, item_results)
    return report


def load_average() -> list[float] | None:
    """1/5/15-minute load averages: other work on the machine skews latencies."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _llamaindex_type():
    from hoidap.eval.systems import LlamaIndexBaseline

    return LlamaIndexBaseline


def primary_system(report: dict[str, Any]) -> str | None:
    """The system the failure list is about: hoidap if it ran, else the first answering system."""
    ran = [n for n, s in report["systems"].items() if "overall" in s]
    if "hoidap" in ran:
        return "hoidap"
    answering = [n for n in ran if report["systems"][n]["answers"]]
    return (answering or ran or [None])[0]


def failures(report: dict[str, Any], items: list[GoldItem], item_results: dict[str, list]) -> dict[str, Any]:
    name = primary_system(report)
    if name is None:
        return {"system": None, "items": []}
    answers = report["systems"][name]["answers"]
    out = []
    for item, record in zip(items, item_results[name]):
        reasons = failure_reasons(item, record, answers)
        if reasons:
            out.append({"id": item.id, "reasons": reasons})
    return {"system": name, "items": out}


def _items(items: list[GoldItem], item_results: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    out = []
    for n, item in enumerate(items):
        entry = item.to_dict()
        entry["diacritics"] = item.diacritics
        entry["results"] = {name: results[n] for name, results in item_results.items()}
        out.append(entry)
    return out


def _meta(items, systems, corpus, url, gold_path, when, seconds, ws: Workspace) -> dict[str, Any]:
    s = ws.settings
    return {
        "started": when,
        "seconds": round(seconds, 1),
        "gold": str(gold_path) if gold_path else None,
        "corpus": str(corpus),
        "url": url,
        "systems": systems,
        "items": len(items),
        "answerable": sum(1 for i in items if i.answerable),
        "unanswerable": sum(1 for i in items if not i.answerable),
        "top_k": TOP_K,
        "settings": {
            k: getattr(s, k)
            for k in (
                "embedding_backend", "embedding_model", "retrieval_mode", "dense_weight", "sparse_weight",
                "top_k", "chunk_max_chars", "min_coverage", "collection",
            )
        },
        "ingest": ws.ingest_info,
        "embedded_texts_besides_ingest": ws.embedded_texts,
        "host": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
    }
