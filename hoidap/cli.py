"""The `hoidap` command: ingest, ask, search, documents, serve, eval, bench, bot."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from hoidap.errors import HoidapError
from hoidap.settings import get_settings

app = typer.Typer(help="Hỏi đáp: ask Vietnamese education plans, get cited answers.", no_args_is_help=True)


def _service():
    from hoidap.answer.service import AnswerService

    return AnswerService(get_settings())


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"Lỗi: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _run(fn):
    """Run a command body, turning domain errors into a one-line message and exit code 2."""
    try:
        return fn()
    except HoidapError as exc:
        _fail(str(exc))


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .md .docx .pdf .html; scans .png .jpg .tif)")]) -> None:
    """Index plans; unchanged files are skipped, changed ones replaced, unreadable ones reported.
    While `hoidap serve` runs on the same data folder, the files are handed to it."""
    from hoidap.api.handoff import find_server, upload

    settings = get_settings()
    server = find_server(settings)
    if server:
        typer.echo(f"hoidap serve đang chạy ({server[0]}): gửi tệp cho máy chủ lập chỉ mục")
        report = upload(*server, paths, settings.max_upload_bytes)
    else:
        service = _service()
        report = _run(lambda: service.ingest(paths, progress=True))
        service.close()
    for name in report.added:
        typer.echo(f"+ {name}")
    for name in report.replaced:
        typer.echo(f"~ {name} (đã cập nhật)")
    for name in report.unchanged:
        typer.echo(f"= {name} (không đổi)")
    for name, pages, seconds in report.ocr:
        typer.echo(f"  OCR {name}: {pages} trang, {seconds:.1f}s")
    for warning in report.warnings:
        typer.secho(f"! {warning}", fg=typer.colors.YELLOW, err=True)
    for name, reason in report.failed:
        typer.secho(f"! {reason}" if name in reason else f"! {name}: {reason}", fg=typer.colors.RED, err=True)
    typer.echo(f"{report.chunks} đoạn mới" + ("; thời gian: " + ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items()) if report.seconds else ""))
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def ask(
    question: str,
    province: Annotated[Optional[str], typer.Option(help="Chỉ hỏi trong văn bản của tỉnh này")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full JSON answer")] = False,
) -> None:
    """Ask a question; the answer cites the paragraphs it comes from."""
    service = _service()
    answer = _run(lambda: service.ask(question, province))
    service.close()
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(answer.answer)
    for c in answer.citations:
        page = f", trang {c.page}" if c.page else ""
        typer.echo(f"\n[{c.n}] {c.title} — {c.province} ({c.source}{page})\n    {c.section}\n    “{c.quote}”")
        if c.note:
            typer.secho(f"    ⚠ {c.note}", fg=typer.colors.YELLOW)


@app.command()
def search(
    query: str,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100)] = 8,
    province: Optional[str] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show the passages retrieval ranks highest for a query."""
    service = _service()
    hits = _run(lambda: service.search(query, top_k, province))
    service.close()
    rows = [
        {"rank": i + 1, "source": h.chunk.source, "province": h.chunk.metadata.province, "section": h.chunk.section,
         "score": round(h.score, 4), "text": h.chunk.text}
        for i, h in enumerate(hits)
    ]
    if as_json:
        typer.echo(json.dumps({"results": rows}, ensure_ascii=False, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['rank']:>2}. [{r['score']:.3f}] {r['province']} {r['source']} — {r['section'][:80]}\n    {r['text'][:200]}")


@app.command()
def documents(
    remove: Annotated[Optional[str], typer.Option("--remove", help="Remove the document with this file name")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List indexed documents (or remove one with --remove FILE)."""
    service = _service()
    if remove:
        n = _run(lambda: service.delete(remove))
        typer.echo(f"Đã xóa {remove} ({n} đoạn).")
        service.close()
        return
    docs = _run(service.documents)
    service.close()
    if as_json:
        typer.echo(json.dumps(docs, ensure_ascii=False, indent=2))
        return
    if not docs:
        typer.echo("Chưa có văn bản nào. Dùng: hoidap ingest THƯ_MỤC")
    for d in docs:
        typer.echo(f"{d['source']}  {d['province']:<10} {d['number']:<14} {d['date']:<10} {d['chunks']:>4} đoạn  {d['title'][:70]}")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    sample: Annotated[bool, typer.Option(help="Ingest the bundled sample plans when the index is empty")] = True,
    forwarded_allow_ips: Annotated[Optional[str], typer.Option(
        help="Proxies trusted to name the client in X-Forwarded-For (default: HOIDAP_FORWARDED_ALLOW_IPS)")] = None,
) -> None:
    """Start the HTTP API and the web chat (http://HOST:PORT/, API docs at /docs); with
    HOIDAP_TELEGRAM_TOKEN set, the Telegram bot runs in the same process."""
    import uvicorn

    from hoidap.api.app import create_app

    service = _service()
    _run(lambda: service.memory)  # the state database is reachable and migrated before the first request
    if sample:
        report = _run(service.ensure_sample_corpus)
        if report:
            typer.echo(f"Đã nạp dữ liệu mẫu: {len(report.added)} văn bản, {report.chunks} đoạn.")
    from hoidap.api.handoff import announce, withdraw

    settings = get_settings()
    _run(lambda: service.store)  # hold the index before announcing this server in its folder
    _run(lambda: service.stats)  # count the term statistics now, not while the first teacher waits
    app_ = create_app(service, local_token=announce(settings, f"http://{_local(host)}:{port}"))
    if settings.telegram_token:  # the Telegram bot runs in the same process (webhook or long polling)
        from hoidap.bot.webhook import attach

        attach(app_, service, settings)
        typer.echo("Telegram bot: " + ("webhook" if settings.telegram_webhook_url else "long polling"))
    try:
        uvicorn.run(app_, host=host, port=port, log_config=None, proxy_headers=True,
                    forwarded_allow_ips=forwarded_allow_ips or settings.forwarded_allow_ips)
    finally:
        withdraw(settings)


def _local(host: str) -> str:
    """The address a process on this machine uses to reach a server bound to `host`."""
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


@app.command("bot")
def bot(
    host: Annotated[str, typer.Option(help="Webhook mode only: address of the HTTP server")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Webhook mode only: port of the HTTP server")] = 8000,
    sample: Annotated[bool, typer.Option(help="Ingest the bundled sample plans when the index is empty")] = True,
) -> None:
    """Run the Telegram bot (token in HOIDAP_TELEGRAM_TOKEN; long polling, or webhook when
    HOIDAP_TELEGRAM_WEBHOOK_URL is set)."""
    from hoidap.bot.cli import run_bot

    run_bot(host=host, port=port, sample=sample)


def _register_stage_commands() -> None:
    """Commands that live with their stage (evaluation, benchmark, Telegram bot)."""
    from hoidap.eval.cli import bench_command, eval_command, train_command

    app.command("eval")(eval_command)
    app.command("bench")(bench_command)
    app.command("train")(train_command)


_register_stage_commands()


def main() -> None:  # pragma: no cover - console entry point convenience
    app(prog_name="hoidap")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
