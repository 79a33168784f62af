"""`hoidap eval` and `hoidap bench` (registered by hoidap/cli.py).

Only light imports here: the evaluation and benchmark modules load inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

GOLD = Path(__file__).resolve().parent / "gold.jsonl"
DEFAULT_SYSTEMS = "hoidap,bm25,dense,llamaindex"
ALL_SYSTEMS = ("hoidap,bm25,dense,llamaindex,hoidap-rules,hoidap-sparse,hoidap-dense,hoidap-nofold,hoidap-flatchunks")
CV_SYSTEMS = "hoidap,hoidap-rules,hoidap-oof"


def _echo_err(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)


def _corpus(corpus: Optional[Path]) -> Path:
    if corpus is not None:
        return corpus
    from hoidap.settings import get_settings

    return get_settings().sample_corpus


def _check(path: Path, corpus: Path) -> int:
    """Print one line per problem (exit 1) or the counts of a valid gold file (exit 0)."""
    from hoidap.eval.gold import load_gold, summary, validate

    items, problems = load_gold(path)
    found, warnings = validate(items, corpus)
    problems += found
    for line in problems:
        typer.echo(line)
    for line in warnings:
        typer.echo(f"warning: {line}")
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {path} (corpus {corpus})")
        return 1
    counts = summary(items)
    typer.echo(f"{path}: {len(items)} items, no problems (corpus {corpus})")
    for key in ("type", "province", "diacritics"):
        typer.echo(f"  {key}: " + ", ".join(f"{k} {v}" for k, v in counts[key].items()))
    return 0


def _gate(report: dict, thresholds: Path) -> int:
    from hoidap.eval.gate import GateError, check, load_thresholds

    try:
        bounds = load_thresholds(thresholds)
    except GateError as exc:
        _echo_err(str(exc))
        return 2
    checks = check(report, bounds)
    failed = [c for c in checks if not c.ok]
    typer.echo(f"gate {thresholds}: {len(checks) - len(failed)}/{len(checks)} thresholds met")
    for c in checks:
        if c.ok:
            typer.echo("  " + c.describe())
        else:
            typer.secho("  " + c.describe(), fg=typer.colors.RED)
    if failed:
        typer.secho(f"gate failed: {len(failed)} metric(s) below threshold", fg=typer.colors.RED, err=True)
        return 1
    return 0


def eval_command(
    gold: Annotated[Optional[Path], typer.Option("--gold", help="Gold set (JSONL); default: eval/gold.jsonl")] = None,
    check: Annotated[
        Optional[Path], typer.Option("--check", help="Only validate this gold file against --corpus and print counts")
    ] = None,
    corpus: Annotated[
        Optional[Path], typer.Option("--corpus", help="Folder of documents the gold set cites; default: the sample corpus")
    ] = None,
    url: Annotated[
        Optional[str], typer.Option("--url", help="Evaluate a running hoidap API (e.g. http://127.0.0.1:8000) instead of in-process")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Where report.json, report.md and report.html go")] = Path("eval/out"),
    systems: Annotated[
        str, typer.Option("--systems", help="Comma-separated: hoidap, bm25, dense, llamaindex, hoidap-rules, hoidap-oof, hoidap-sparse, hoidap-dense, hoidap-nofold, hoidap-flatchunks; 'all' = every one but hoidap-oof")
    ] = DEFAULT_SYSTEMS,
    limit: Annotated[
        Optional[int], typer.Option("--limit", min=1, help="Only N questions, taken round-robin over question types")
    ] = None,
    gate: Annotated[
        Optional[Path], typer.Option("--gate", "--thresholds", help="Exit 1 when a metric misses its threshold (eval/thresholds.json)")
    ] = None,
    from_report: Annotated[
        Optional[Path], typer.Option("--from-report", help="Gate / summarise an existing report.json instead of running")
    ] = None,
    data_dir: Annotated[
        Optional[Path], typer.Option("--data-dir", help="Index folder to ingest into and reuse (default: a temporary folder)")
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show progress bars")] = True,
    cv: Annotated[
        bool, typer.Option("--cv", help="Out-of-fold run on a training gold set: systems hoidap, hoidap-rules, hoidap-oof")
    ] = False,
    variant: Annotated[
        str, typer.Option("--variant", help="Retype the questions: plain (as written), chat (preambles, texting shorthand, "
                                            "particles) or typo (one misspelt word each); see eval/variants.py")
    ] = "plain",
) -> None:
    """Evaluate retrieval and answers against a gold set, with baselines side by side."""
    corpus_dir = _corpus(corpus)
    if check is not None:
        raise typer.Exit(_check(check, corpus_dir))

    if from_report is not None:
        try:
            report = json.loads(from_report.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            _echo_err(f"cannot read report {from_report}: {exc}")
            raise typer.Exit(2)
        from hoidap.eval.report import summary_lines

        for line in summary_lines(report):
            typer.echo(line)
        raise typer.Exit(_gate(report, gate) if gate else 0)

    from hoidap.eval.gold import load_gold, select, validate

    gold_path = gold or GOLD
    items, problems = load_gold(gold_path)
    if not problems:
        problems, _ = validate(items, corpus_dir)
    if problems:
        for line in problems:
            _echo_err(line)
        _echo_err(f"{gold_path}: {len(problems)} problem(s); fix them first (hoidap eval --check {gold_path})")
        raise typer.Exit(1)
    if cv:
        systems = CV_SYSTEMS
    names = [s.strip() for s in (ALL_SYSTEMS if systems.strip() == "all" else systems).split(",") if s.strip()]
    from hoidap.eval.systems import SYSTEMS

    unknown = [n for n in names if n not in SYSTEMS]
    if unknown or not names:
        _echo_err(f"unknown system(s): {', '.join(unknown) or '(none given)'}; known: {', '.join(SYSTEMS)}")
        raise typer.Exit(2)
    from hoidap.eval.variants import VARIANTS, retyped

    if variant not in VARIANTS:
        _echo_err(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
        raise typer.Exit(2)
    chosen = retyped(select(items, limit), variant)
    typer.echo(
        f"evaluating {len(chosen)} questions from {gold_path} with {', '.join(names)}"
        + (f", retyped as {variant}" if variant != "plain" else "")
        + (f" (hoidap at {url})" if url else "")
    )

    from hoidap.eval.report import summary_lines, write_reports
    from hoidap.eval.runner import run_eval

    report = run_eval(chosen, names, corpus_dir, url=url, data_dir=data_dir, progress=progress, gold_path=gold_path,
                      log=typer.echo)
    paths = write_reports(report, out)
    typer.echo("")
    for line in summary_lines(report):
        typer.echo(line)
    typer.echo(f"\n{len(report['failures']['items'])} failure(s) of {report['failures']['system']}; "
               f"took {report['meta']['seconds']} s")
    typer.echo("report: " + ", ".join(str(p) for p in paths.values()))
    if gate is not None:
        raise typer.Exit(_gate(report, gate))


def bench_command(
    scale: Annotated[
        str, typer.Option("--scale", help="Synthetic index sizes (chunks) to time, e.g. 1000,10000,100000; '' to skip")
    ] = "1000,10000",
    concurrency: Annotated[str, typer.Option("--concurrency", help="HTTP concurrency levels")] = "1,8",
    requests: Annotated[int, typer.Option("--requests", min=1, max=2000, help="Requests per endpoint and level")] = 40,
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="Documents to ingest; default: the sample corpus")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Also write bench.json into this folder")] = None,
    baseline: Annotated[bool, typer.Option("--baseline/--no-baseline", help="Time the plain llama-index pipeline too")] = True,
) -> None:
    """Print ingestion, query, HTTP latency and memory figures, and index scaling."""
    from hoidap.eval.bench import BenchError, run_bench

    try:
        levels = [int(x) for x in concurrency.split(",") if x.strip()]
        sizes = [int(x) for x in scale.split(",") if x.strip()]
    except ValueError:
        _echo_err("--scale and --concurrency take comma-separated integers")
        raise typer.Exit(2)
    if any(n < 1 for n in levels + sizes):
        _echo_err("--scale and --concurrency values must be positive")
        raise typer.Exit(2)
    try:
        result = run_bench(_corpus(corpus), sizes, levels, requests, baseline, echo=typer.echo)
    except BenchError as exc:
        _echo_err(str(exc))
        raise typer.Exit(2)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        typer.echo(f"written {out / 'bench.json'}")


def train_command(
    gold: Annotated[list[Path], typer.Option("--gold", help="Gold set(s) to fit on (JSONL; repeat for several)")],
    corpus: Annotated[
        Optional[Path], typer.Option("--corpus", help="Folder of documents the gold set cites; default: the sample corpus")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Where the parameters go (the service reads answer/decision.json)")] = (
        Path(__file__).resolve().parent.parent / "answer" / "decision.json"
    ),
    model: Annotated[str, typer.Option("--model", help="auto (chosen by out-of-fold figures), logistic or boosting")] = "auto",
    ablation: Annotated[bool, typer.Option("--ablation/--no-ablation", help="Also refit without each feature group")] = False,
    data_dir: Annotated[
        Optional[Path], typer.Option("--data-dir", help="Index folder to ingest into and reuse (default: a temporary folder)")
    ] = None,
) -> None:
    """Fit the answer/abstain decision on gold questions (fixed seed) and write its parameters file."""
    from datetime import datetime, timezone

    from hoidap.eval.gold import load_gold, validate
    from hoidap.eval.systems import Workspace

    if model not in ("auto", "logistic", "boosting"):
        _echo_err("--model is auto, logistic or boosting")
        raise typer.Exit(2)
    try:
        import sklearn  # noqa: F401 - fitting only; serving scores the written file without it
    except ImportError:
        _echo_err("hoidap train needs scikit-learn: pip install -e '.[eval]'")
        raise typer.Exit(2)
    corpus_dir = _corpus(corpus)
    items = []
    for path in gold:
        loaded, problems = load_gold(path)
        problems += [] if problems else validate(loaded, corpus_dir)[0]
        if problems:
            for line in problems:
                _echo_err(line)
            raise typer.Exit(1)
        items += loaded
    from hoidap.answer.service import AnswerService
    from hoidap.eval import train

    ws = Workspace(corpus_dir, data_dir, progress=True, log=typer.echo)
    try:
        ws.main_index()
        service = AnswerService(ws.settings)
        try:
            examples = train.collect(service, items, progress=True)
        finally:
            service.close()
    finally:
        ws.close()
    n_cands = sum(len(e.cands) for e in examples)
    typer.echo(f"{len(items)} questions, {n_cands} candidate claims ({sum(sum(e.labels) for e in examples)} positive)")
    typer.echo("out of fold (ranker kind; gate threshold chosen per kind):")
    models = train.compare(examples, typer.echo)
    kind = model if model != "auto" else train.choose_kind(models)
    ablations = train.ablation(examples, kind, typer.echo) if ablation else None
    decision = train.fit_decision(examples, kind)
    decision.info.update(
        trained=datetime.now(timezone.utc).isoformat(timespec="seconds"), gold=[str(p) for p in gold],
        questions=len(items), candidates=n_cands, model_comparison=models,
        **({"ablation": ablations} if ablations else {}),
    )
    out.write_text(json.dumps(decision.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    typer.echo(f"{kind}, threshold {decision.threshold:.4f}; written {out}")
