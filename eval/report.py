"""Write an evaluation report as report.json, report.md and a self-contained report.html.

Every piece of text that comes from the gold set, the documents or a system's output is
escaped with html.escape (in Markdown too, which renderers pass HTML through).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from hoidap.eval.runner import ANSWER_METRICS, RETRIEVAL_METRICS, primary_system

PALETTE = ("#1f6feb", "#d1495b", "#2a9d8f", "#e9a23b", "#7b61ff", "#6c757d", "#00a6ed", "#8d6a9f")
LABELS = {
    "recall@1": "R@1", "recall@5": "R@5", "recall@10": "R@10", "mrr@10": "MRR@10", "ndcg@10": "nDCG@10",
    "fact_accuracy": "fact acc.", "fact_share": "fact share", "citation_precision": "cit. P",
    "citation_recall": "cit. R", "abstention_precision": "abst. P", "abstention_recall": "abst. R",
    "latency_p50_ms": "ask p50 ms", "latency_p95_ms": "ask p95 ms",
    "search_p50_ms": "search p50 ms", "search_p95_ms": "search p95 ms",
}
DIMENSIONS = (("by_type", "question type"), ("by_province", "province"), ("by_diacritics", "diacritics in the question"))


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def fmt(value: Any, metric: str = "") -> str:
    if value is None:
        return "—"
    if metric.endswith("_ms"):
        return f"{value:.1f}" if value < 10 else f"{value:.0f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _ran(report: dict[str, Any]) -> list[str]:
    return [n for n, s in report["systems"].items() if "overall" in s]


def _answering(report: dict[str, Any]) -> list[str]:
    return [n for n in _ran(report) if report["systems"][n]["answers"]]


def write_reports(report: dict[str, Any], out: Path) -> dict[str, Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "md": out / "report.md", "html": out / "report.html"}
    paths["json"].write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    paths["md"].write_text(render_markdown(report), encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    return paths


# ------------------------------------------------------------------------------------ console
def summary_lines(report: dict[str, Any]) -> list[str]:
    cols = list(RETRIEVAL_METRICS) + ["fact_accuracy", "citation_precision", "abstention_recall", "latency_p50_ms"]
    rows = [["system"] + [LABELS[c] for c in cols]]
    for name in _ran(report):
        m = report["systems"][name]["overall"]
        rows.append([name] + [fmt(m.get(c), c) for c in cols])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths))) for r in rows]
    for name, s in report["systems"].items():
        if "error" in s:
            lines.append(f"{name}: not run ({s['error']})")
    return lines


# ----------------------------------------------------------------------------------- markdown
def _md(value: Any) -> str:
    return esc(value).replace("|", "&#124;").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines + [""]


def _item_index(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in report["items"]}


def render_markdown(report: dict[str, Any]) -> str:
    meta = report["meta"]
    ran = _ran(report)
    answering = _answering(report)
    lines = [
        "# hoidap evaluation",
        "",
        f"- started: {_md(meta['started'])}, took {meta['seconds']} s",
        f"- gold: {_md(meta['gold'])} — {meta['items']} questions ({meta['answerable']} answerable, "
        f"{meta['unanswerable']} unanswerable)",
        f"- corpus: {_md(meta['corpus'])}" + (f"; hoidap queried at {_md(meta['url'])}" if meta.get("url") else ""),
        f"- embedding: {_md(meta['settings']['embedding_backend'])}; retrieval depth {meta['top_k']}",
        "",
        "## Retrieval (all systems)",
        "",
    ]
    cols = list(RETRIEVAL_METRICS) + ["search_p50_ms", "search_p95_ms"]
    lines += _md_table(
        ["system"] + [LABELS[c] for c in cols],
        [[_md(n)] + [fmt(report["systems"][n]["overall"].get(c), c) for c in cols] for n in ran],
    )
    if "hoidap" in ran and len(ran) > 1:
        lines += ["### hoidap minus each other system", ""]
        base = report["systems"]["hoidap"]["overall"]
        rows = []
        for n in ran:
            if n == "hoidap":
                continue
            other = report["systems"][n]["overall"]
            rows.append([_md(n)] + [_delta(base.get(c), other.get(c)) for c in RETRIEVAL_METRICS])
        lines += _md_table(["vs"] + [LABELS[c] for c in RETRIEVAL_METRICS], rows)
    if answering:
        lines += ["## Answers (systems that answer)", ""]
        cols = list(ANSWER_METRICS) + ["latency_p50_ms", "latency_p95_ms"]
        lines += _md_table(
            ["system"] + [LABELS[c] for c in cols],
            [[_md(n)] + [fmt(report["systems"][n]["overall"].get(c), c) for c in cols] for n in answering],
        )
        lines += [f"Answer modes: {_modes(report, answering)}", ""]
    for key, title in DIMENSIONS:
        lines += [f"## By {title}", "", "Recall@5 (all systems); fact accuracy (answering systems):", ""]
        groups = _groups(report, key)
        header = ["group", "n"] + [f"{_md(n)} R@5" for n in ran] + [f"{_md(n)} facts" for n in answering]
        rows = []
        for g in groups:
            row = [_md(g), str(_group_n(report, key, g))]
            row += [fmt(report["systems"][n][key].get(g, {}).get("recall@5")) for n in ran]
            row += [fmt(report["systems"][n][key].get(g, {}).get("fact_accuracy")) for n in answering]
            rows.append(row)
        lines += _md_table(header, rows)
        primary = primary_system(report)
        if primary in answering:
            cols = ["mrr@10"] + list(ANSWER_METRICS) + ["latency_p50_ms"]
            lines += [f"{_md(primary)} in detail:", ""]
            lines += _md_table(
                ["group"] + [LABELS[c] for c in cols],
                [[_md(g)] + [fmt(report["systems"][primary][key].get(g, {}).get(c), c) for c in cols] for g in groups],
            )
    lines += _md_failures(report)
    return "\n".join(lines) + "\n"


def _modes(report: dict[str, Any], names: list[str]) -> str:
    """How each answering system answered: extractive, generated (LLM), fallback."""
    parts = []
    for n in names:
        modes = report["systems"][n]["overall"].get("answer_modes") or {}
        parts.append(f"{n}: " + (", ".join(f"{k} {v}" for k, v in modes.items()) or "—"))
    return esc("; ".join(parts))


def _delta(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "—"
    return f"{a - b:+.3f}"


def _groups(report: dict[str, Any], key: str) -> list[str]:
    seen: dict[str, None] = {}
    for n in _ran(report):
        for g in report["systems"][n][key]:
            seen.setdefault(g, None)
    return list(seen)


def _group_n(report: dict[str, Any], key: str, group: str) -> int:
    for n in _ran(report):
        if group in report["systems"][n][key]:
            return report["systems"][n][key][group]["n"]
    return 0


def _md_failures(report: dict[str, Any]) -> list[str]:
    fails = report.get("failures", {})
    system = fails.get("system")
    if not system:
        return []
    items = _item_index(report)
    lines = [f"## Failures of {_md(system)} ({len(fails['items'])})", ""]
    if not fails["items"]:
        return lines + ["None.", ""]
    for f in fails["items"]:
        item = items[f["id"]]
        record = item["results"][system]
        lines.append(f"### {_md(item['id'])} — {_md(item['type'])}, {_md(item['province'] or '(none)')}")
        lines.append("")
        lines.append(f"- question: {_md(item['question'])}")
        lines.append(f"- why: {_md('; '.join(f['reasons']))}")
        if item["facts"]:
            lines.append("- expected facts: " + "; ".join(_md(x) for x in item["facts"]))
        for ev in item["evidence"]:
            lines.append(f"- evidence {_md(ev['doc'])}: “{_md(ev['quote'])}”")
        for n, p in enumerate(record.get("retrieved", [])[:3], start=1):
            mark = "✓" if p["holds"] else "✗"
            lines.append(f"- retrieved {n} {mark} {_md(p['doc'])} — {_md(p['section'][:80])}: {_md(p.get('text', '')[:200])}")
        if "answer" in record:
            tag = " (abstained)" if record.get("abstained") else ""
            lines.append(f"- answer{tag}: {_md(record['answer'][:600])}")
        lines.append("")
    return lines


# --------------------------------------------------------------------------------------- html
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1240px;color:#1d232a;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #d8dee4;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#57606a;margin:0 0 4px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #d8dee4;padding:4px 8px;vertical-align:top}
th{background:#f6f8fa;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.best{font-weight:700;background:#eef6ff}.bar{position:relative;background:#eef1f4;height:16px;min-width:110px;border-radius:3px}
.bar i{position:absolute;left:0;top:0;bottom:0;border-radius:3px;opacity:.85}.bar span{position:relative;padding-left:4px;font-size:12px}
.legend span{display:inline-block;margin-right:14px;font-size:12px}.legend b{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px;border-radius:2px}
table.fail{width:100%;table-layout:fixed}table.fail td{font-size:12px;word-wrap:break-word}table.fail ol{margin:0;padding-left:18px}
.ok{color:#1a7f37;font-weight:700}.no{color:#cf222e;font-weight:700}.tag{display:inline-block;background:#fff1e5;color:#953800;border-radius:3px;padding:0 4px;font-size:11px}
.wide{overflow-x:auto;max-width:100%}.muted{color:#57606a}.ans{white-space:pre-wrap}svg text{font:11px system-ui,sans-serif;fill:#1d232a}
"""


def _color(systems: list[str], name: str) -> str:
    return PALETTE[systems.index(name) % len(PALETTE)] if name in systems else PALETTE[-1]


def _bar(value: float | None, color: str, scale: float = 1.0) -> str:
    if value is None:
        return '<span class="muted">—</span>'
    width = max(0.0, min(100.0, 100.0 * value / scale)) if scale else 0.0
    return f'<div class="bar"><i style="width:{width:.1f}%;background:{color}"></i><span>{value:.3f}</span></div>'


def _legend(names: list[str], systems: list[str]) -> str:
    return '<div class="legend">' + "".join(
        f'<span><b style="background:{_color(systems, n)}"></b>{esc(n)}</span>' for n in names
    ) + "</div>"


def svg_grouped_bars(categories: list[str], series: list[tuple[str, str, list[float | None]]], title: str) -> str:
    """A grouped bar chart (values 0..1) as inline SVG; one group per category, one bar per series."""
    width, height, left, bottom, top = 1000, 260, 40, 46, 24
    plot_w, plot_h = width - left - 10, height - bottom - top
    parts = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">']
    parts.append(f'<text x="{left}" y="14">{esc(title)}</text>')
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e8eb"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
    if categories and series:
        group_w = plot_w / len(categories)
        bar_w = group_w * 0.8 / len(series)
        for ci, cat in enumerate(categories):
            x0 = left + ci * group_w + group_w * 0.1
            for si, (name, color, values) in enumerate(series):
                value = values[ci]
                if value is None:
                    continue
                h = plot_h * max(0.0, min(1.0, value))
                x = x0 + si * bar_w
                parts.append(
                    f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" '
                    f'fill="{color}"><title>{esc(name)} — {esc(cat)}: {value:.3f}</title></rect>'
                )
            if all(values[ci] is None for _, _, values in series):
                parts.append(
                    f'<text x="{x0 + group_w * 0.4:.1f}" y="{top + plot_h - 6}" text-anchor="middle" fill="#8c959f">n/a</text>'
                )
            label = cat if len(cat) <= 22 else cat[:21] + "…"
            parts.append(
                f'<text x="{x0 + group_w * 0.4:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{esc(label)}</text>'
            )
    parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#8c959f"/>')
    parts.append("</svg>")
    return "".join(parts)


def svg_histogram(values: list[float], title: str, color: str, bins: int = 24) -> str:
    """A latency histogram (milliseconds) with p50 and p95 marked."""
    from hoidap.eval.metrics import percentile

    width, height, left, bottom, top = 620, 210, 40, 36, 24
    plot_w, plot_h = width - left - 14, height - bottom - top
    parts = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">']
    parts.append(f'<text x="{left}" y="14">{esc(title)}</text>')
    if not values:
        parts.append(f'<text x="{left}" y="{top + 20}">no measurements</text></svg>')
        return "".join(parts)
    hi = max(values) * 1.05 or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int(v / hi * bins))] += 1
    peak = max(counts)
    bw = plot_w / bins
    for i, c in enumerate(counts):
        if not c:
            continue
        h = plot_h * c / peak
        lo_ms, hi_ms = hi * i / bins, hi * (i + 1) / bins
        parts.append(
            f'<rect x="{left + i * bw:.1f}" y="{top + plot_h - h:.1f}" width="{bw - 1:.1f}" height="{h:.1f}" fill="{color}">'
            f"<title>{lo_ms:.0f}–{hi_ms:.0f} ms: {c}</title></rect>"
        )
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#8c959f"/>')
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + plot_w * frac
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{hi * frac:.0f}</text>')
    parts.append(f'<text x="{left + plot_w}" y="{height - 4}" text-anchor="end">ms</text>')
    parts.append(f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak}</text>')
    for q, dash in ((50, "4 3"), (95, "2 2")):
        v = percentile(values, q)
        x = left + plot_w * v / hi
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#1d232a" stroke-dasharray="{dash}"/>')
        parts.append(f'<text x="{x + 3:.1f}" y="{top + 10}">p{q} {v:.0f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _metric_table(report: dict[str, Any], names: list[str], cols: list[str]) -> str:
    best: dict[str, float] = {}
    for c in cols:
        values = [report["systems"][n]["overall"].get(c) for n in names]
        values = [v for v in values if v is not None]
        if values and len(names) > 1:
            best[c] = min(values) if c.endswith("_ms") else max(values)
    rows = ["<table><tr><th>system</th>" + "".join(f"<th>{esc(LABELS[c])}</th>" for c in cols) + "<th>description</th></tr>"]
    for n in names:
        s = report["systems"][n]
        cells = []
        for c in cols:
            v = s["overall"].get(c)
            cls = "num best" if v is not None and best.get(c) == v else "num"
            cells.append(f'<td class="{cls}">{esc(fmt(v, c))}</td>')
        rows.append(f"<tr><th>{esc(n)}</th>{''.join(cells)}<td class=\"muted\">{esc(s.get('description', ''))}</td></tr>")
    return "".join(rows) + "</table>"


def _bars_table(report: dict[str, Any], names: list[str], cols: list[str], systems: list[str]) -> str:
    rows = ["<table><tr><th>system</th>" + "".join(f"<th>{esc(LABELS[c])}</th>" for c in cols) + "</tr>"]
    for n in names:
        m = report["systems"][n]["overall"]
        rows.append(f"<tr><th>{esc(n)}</th>" + "".join(f"<td>{_bar(m.get(c), _color(systems, n))}</td>" for c in cols) + "</tr>")
    return "".join(rows) + "</table>"


def _dimension_html(report: dict[str, Any], key: str, title: str, systems: list[str]) -> str:
    ran, answering = _ran(report), _answering(report)
    groups = _groups(report, key)
    labels = [f"{g} ({_group_n(report, key, g)})" for g in groups]
    out = [f"<h2>By {esc(title)}</h2>"]
    series = [(n, _color(systems, n), [report["systems"][n][key].get(g, {}).get("recall@5") for g in groups]) for n in ran]
    out.append(_legend(ran, systems))
    out.append(svg_grouped_bars(labels, series, f"Recall@5 by {title}"))
    if answering:
        series = [
            (n, _color(systems, n), [report["systems"][n][key].get(g, {}).get("fact_accuracy") for g in groups])
            for n in answering
        ]
        out.append(svg_grouped_bars(labels, series, f"Fact accuracy by {title} (answering systems)"))
    cols = ["recall@5", "mrr@10", "fact_accuracy", "citation_precision", "abstention_recall"]
    head = "<tr><th>group</th><th>n</th>" + "".join(f"<th>{esc(n)}<br>{esc(LABELS[c])}</th>" for n in ran for c in cols if c in RETRIEVAL_METRICS or n in answering) + "</tr>"
    rows = [f'<div class="wide"><table>{head}']
    for g, label in zip(groups, labels):
        cells = []
        for n in ran:
            m = report["systems"][n][key].get(g, {})
            for c in cols:
                if c in RETRIEVAL_METRICS or n in answering:
                    cells.append(f'<td class="num">{esc(fmt(m.get(c), c))}</td>')
        rows.append(f"<tr><th>{esc(g)}</th><td class=\"num\">{_group_n(report, key, g)}</td>{''.join(cells)}</tr>")
    out.append("".join(rows) + "</table></div>")
    return "".join(out)


def _failures_html(report: dict[str, Any]) -> str:
    fails = report.get("failures", {})
    system = fails.get("system")
    if not system:
        return ""
    items = _item_index(report)
    out = [f"<h2>Failures of {esc(system)} ({len(fails['items'])} of {report['meta']['items']})</h2>"]
    if not fails["items"]:
        return "".join(out) + "<p>None.</p>"
    out.append(
        '<table class="fail"><colgroup><col style="width:19%"><col style="width:22%"><col style="width:30%">'
        '<col style="width:29%"></colgroup><tr><th>question</th><th>expected evidence</th>'
        "<th>retrieved (top 3)</th><th>answer</th></tr>"
    )
    for f in fails["items"]:
        item = items[f["id"]]
        record = item["results"][system]
        q = (
            f"<b>{esc(item['id'])}</b> <span class=\"tag\">{esc(item['type'])}</span> "
            f"<span class=\"muted\">{esc(item['province'] or '(none)')}</span><br>{esc(item['question'])}"
            f"<div class=\"no\">{'<br>'.join(esc(r) for r in f['reasons'])}</div>"
        )
        expected = ""
        if item["facts"]:
            expected += "<b>facts:</b> " + "; ".join(esc(x) for x in item["facts"]) + "<br>"
        expected += "".join(f"<b>{esc(ev['doc'])}</b>: “{esc(ev['quote'])}”<br>" for ev in item["evidence"]) or (
            '<span class="muted">none (unanswerable)</span>'
        )
        retrieved = "<ol>" + "".join(
            f"<li><span class=\"{'ok' if p['holds'] else 'no'}\">{'✓' if p['holds'] else '✗'}</span> "
            f"<b>{esc(p['doc'])}</b> <span class=\"muted\">{esc(p['section'][:90])}</span><br>{esc(p.get('text', '')[:260])}</li>"
            for p in record.get("retrieved", [])[:3]
        ) + "</ol>"
        if not record.get("retrieved"):
            retrieved = '<span class="muted">nothing</span>'
        answer = ""
        if "answer" in record:
            tag = '<span class="tag">abstained</span> ' if record.get("abstained") else ""
            text = record["answer"]
            answer = tag + f'<div class="ans">{esc(text if len(text) <= 900 else text[:899] + "…")}</div>'
        out.append(f"<tr><td>{q}</td><td>{expected}</td><td>{retrieved}</td><td>{answer}</td></tr>")
    return "".join(out) + "</table>"


def _items_html(report: dict[str, Any]) -> str:
    """Every question with its outcome per system (collapsed): R@10 for all, ✓/✗ facts or abstention."""
    ran, answering = _ran(report), _answering(report)
    head = "<tr><th>id</th><th>type</th><th>province</th><th>question</th>" + "".join(
        f"<th>{esc(n)}</th>" for n in ran
    ) + "</tr>"
    rows = [f'<details><summary>All {len(report["items"])} questions</summary><table>{head}']
    for item in report["items"]:
        cells = []
        for n in ran:
            r = item["results"].get(n, {})
            s = r.get("scores", {})
            parts = []
            if "recall@10" in s:
                parts.append(f"R@10 {s['recall@10']:.2f}")
            if n in answering:
                if item["type"] == "unanswerable":
                    good = bool(r.get("abstained"))
                    parts.append(f"<span class=\"{'ok' if good else 'no'}\">{'abstained' if good else 'answered'}</span>")
                else:
                    good = s.get("fact_accuracy") == 1.0
                    parts.append(f"<span class=\"{'ok' if good else 'no'}\">{'✓ facts' if good else '✗ facts'}</span>")
            cells.append(f"<td>{' '.join(parts)}</td>")
        rows.append(
            f"<tr><td>{esc(item['id'])}</td><td>{esc(item['type'])}</td><td>{esc(item['province'] or '(none)')}</td>"
            f"<td>{esc(item['question'])}</td>{''.join(cells)}</tr>"
        )
    return "".join(rows) + "</table></details>"


def render_html(report: dict[str, Any]) -> str:
    meta = report["meta"]
    ran, answering = _ran(report), _answering(report)
    systems = list(report["systems"])
    body = [
        "<h1>hoidap evaluation</h1>",
        f'<p class="meta">{esc(meta["items"])} questions ({esc(meta["answerable"])} answerable, '
        f'{esc(meta["unanswerable"])} unanswerable) from {esc(meta["gold"])}; corpus {esc(meta["corpus"])}'
        + (f"; hoidap at {esc(meta['url'])}" if meta.get("url") else "")
        + "</p>",
        f'<p class="meta">started {esc(meta["started"])}, took {esc(meta["seconds"])} s; embedding '
        f'{esc(meta["settings"]["embedding_backend"])}; relevance = passage from an evidence document holding the '
        "quote (whitespace-insensitive)</p>",
    ]
    for name, s in report["systems"].items():
        if "error" in s:
            body.append(f'<p class="no">{esc(name)} not run: {esc(s["error"])}</p>')
    body.append("<h2>Retrieval, all systems</h2>")
    body.append(_metric_table(report, ran, list(RETRIEVAL_METRICS) + ["search_p50_ms", "search_p95_ms"]))
    body.append(_bars_table(report, ran, list(RETRIEVAL_METRICS), systems))
    if answering:
        body.append("<h2>Answers, systems that answer</h2>")
        body.append(_metric_table(report, answering, list(ANSWER_METRICS) + ["latency_p50_ms", "latency_p95_ms"]))
        body.append(_bars_table(report, answering, list(ANSWER_METRICS), systems))
        body.append(f'<p class="muted">answer modes — {_modes(report, answering)}</p>')
    for key, title in DIMENSIONS:
        body.append(_dimension_html(report, key, title, systems))
    if answering:
        body.append("<h2>Latency of ask</h2>")
        for n in answering:
            values = [r["ask_ms"] for i in report["items"] for r in [i["results"].get(n, {})] if r.get("ask_ms") is not None]
            body.append(svg_histogram(values, f"{n}: ask latency (ms), {len(values)} questions", _color(systems, n)))
    body.append(_failures_html(report))
    body.append("<h2>Questions</h2>")
    body.append(_items_html(report))
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>hoidap evaluation {esc(meta['started'])}</title><style>{_CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )
