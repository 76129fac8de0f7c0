"""The eval report: one self-contained HTML file (tables, matplotlib charts as base64 PNG, every failing item).

Every piece of text from the eval file, the corpus or the model goes through `html.escape`.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from assistant.evaluation.metrics import LATENCY, METRICS, OPTIONAL_METRICS, Finding, Thresholds

RATIO_METRICS = [m for m in METRICS if m not in LATENCY]

CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
.fail{background:#fdd}.pass{background:#dfd}.na{color:#999}
.item{border:1px solid #ddd;border-radius:6px;padding:0.6em 1em;margin:1em 0}
.item td,.item th{text-align:left}
.reasons{color:#b00}.quote{color:#555}.verdict-pass{color:#070}.verdict-fail{color:#b00}
code{background:#f4f4f4;padding:0 3px}
"""


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 10 else f"{value:.3f}"
    return str(value)


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return '<img alt="chart" src="data:image/png;base64,' + base64.b64encode(buffer.getvalue()).decode("ascii") + '">'


def chart_by_type(by_type: Mapping[str, Mapping[str, float | None]]) -> str:
    """Grouped bars: each ratio metric per item type (missing values are simply not drawn)."""
    from matplotlib.figure import Figure

    types = list(by_type)
    fig = Figure(figsize=(11, 4))
    ax = fig.subplots()
    width = 0.8 / max(1, len(types))
    for i, t in enumerate(types):
        pairs = [(j + i * width, v) for j, m in enumerate(RATIO_METRICS) if (v := by_type[t].get(m)) is not None]
        ax.bar([x for x, _ in pairs], [y for _, y in pairs], width, label=t)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(RATIO_METRICS))], RATIO_METRICS, rotation=20)
    ax.set_ylim(0, 1.05)
    ax.set_title("metric per item type")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _png(fig)


def chart_latency(latencies: Sequence[float]) -> str:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3))
    ax = fig.subplots()
    ax.hist(list(latencies), bins=min(30, max(5, len(latencies) // 4)), color="#4a7ab5")
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("items")
    ax.set_title("answer latency")
    return _png(fig)


def chart_baseline(current: Mapping[str, float | None], baseline: Mapping[str, float | None]) -> str:
    from matplotlib.figure import Figure

    names = [m for m in RATIO_METRICS if current.get(m) is not None and baseline.get(m) is not None]
    before = [float(baseline[m] or 0.0) for m in names]
    now = [float(current[m] or 0.0) for m in names]
    fig = Figure(figsize=(10, 3.5))
    ax = fig.subplots()
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], before, 0.4, label="baseline", color="#aaa")
    ax.bar([x + 0.2 for x in xs], now, 0.4, label="current", color="#4a7ab5")
    ax.set_xticks(list(xs), names, rotation=20)
    ax.set_ylim(0, 1.05)
    ax.set_title("baseline vs current")
    ax.legend(fontsize=8)
    return _png(fig)


def _overall_table(summary: Mapping[str, Any], thresholds: Thresholds, findings: Sequence[Finding],
                   baseline: Mapping[str, Any] | None) -> str:
    failed = {f.metric for f in findings}
    overall = summary["overall"]
    head = "<tr><th>metric</th><th>value</th><th>threshold</th>"
    head += "<th>baseline</th><th>Δ</th>" if baseline else ""
    rows = [head + "</tr>"]
    for m in (*METRICS, *(x for x in OPTIONAL_METRICS if x in overall)):
        value = overall.get(m)
        cls = "na" if value is None else ("fail" if m in failed else "pass")
        row = f'<tr class="{cls}"><td>{escape(m)}</td><td>{fmt(value)}</td><td>{escape(thresholds.limit(m))}</td>'
        if baseline:
            before = baseline["overall"].get(m)
            delta = None if value is None or before is None else value - before
            row += f"<td>{fmt(before)}</td><td>{'–' if delta is None else f'{delta:+.3f}'}</td>"
        rows.append(row + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _type_table(summary: Mapping[str, Any]) -> str:
    metrics = [*METRICS, *(x for x in OPTIONAL_METRICS if x in summary["overall"])]
    head = "<tr><th>type</th><th>n</th>" + "".join(f"<th>{escape(m)}</th>" for m in metrics) + "</tr>"
    rows = [head]
    counts = summary.get("n", {}).get("by_type", {})
    for t, values in summary["by_type"].items():
        cells = "".join(f'<td class="{"na" if values.get(m) is None else ""}">{fmt(values.get(m))}</td>' for m in metrics)
        rows.append(f"<tr><td>{escape(t)}</td><td>{counts.get(t, '')}</td>{cells}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _item_html(row: Mapping[str, Any]) -> str:
    parts = [f'<div class="item"><b>{escape(row["id"])}</b> · {escape(row["type"])}'
             f' · {"answerable" if row["answerable"] else "unanswerable"}'
             f' · {fmt(row.get("latency_ms"))} ms']
    parts.append('<div class="reasons">' + "; ".join(escape(r) for r in row["reasons"]) + "</div>")
    if row.get("history"):
        turns = "<br>".join(f"{escape(t['role'])}: {escape(t['content'])}" for t in row["history"])
        parts.append(f"<p><i>history</i><br>{turns}</p>")
    parts.append(f"<p><b>问</b> {escape(row['question'])}")
    if row.get("standalone_question") and row["standalone_question"] != row["question"]:
        parts.append(f"<br><i>standalone</i> {escape(row['standalone_question'])}")
    parts.append(f"</p><p><b>答</b> {escape(row['answer'])}</p>")
    parts.append("<p><b>gold</b> " + (" · ".join(f"<code>{escape(g)}</code>" for g in row["gold"]) or "（无：应拒答）")
                 + f" · gold rank {fmt(row.get('gold_rank'))}</p>")
    checks = {c["n"]: c for c in row.get("citation_checks", [])}
    if row["citations"]:
        cells = ["<tr><th>n</th><th>source</th><th>quote</th><th>quote in chunk</th><th>support</th></tr>"]
        for c in row["citations"]:
            check = checks.get(c["n"], {})
            cells.append(
                f"<tr><td>[{c['n']}]</td><td>{escape(', '.join(c['sources']))}<br>《{escape(c['article_title'])}》 "
                f"{escape(c['heading'])} 第{c['start_line']}-{c['end_line']}行</td>"
                f"<td class='quote'>{escape(c['quote'])}</td><td>{fmt(check.get('quote_in_text'))}</td>"
                f"<td>{fmt(check.get('support'))}</td></tr>"
            )
        parts.append("<table>" + "".join(cells) + "</table>")
    if row.get("faithfulness") is not None or row.get("judge_reason"):
        parts.append(f"<p>judge: {fmt(row.get('faithfulness'))} {escape(row.get('judge_reason') or '')}</p>")
    top = row.get("retrieved", [])[:5]
    if top:
        items = "".join(f"<li>#{h['rank']} <code>{escape(h['chunk_id'][:12])}</code> {escape(h['text'][:160])}…</li>" for h in top)
        parts.append(f"<details><summary>retrieved (top {len(top)})</summary><ul>{items}</ul></details>")
    return "".join(parts) + "</div>"


def render_report(summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], thresholds: Thresholds,
                  findings: Sequence[Finding], baseline: Mapping[str, Any] | None = None) -> str:
    """The whole report as one HTML string."""
    failing = [r for r in rows if r["reasons"]]
    verdict = "PASS" if not findings else "FAIL"
    meta = [
        ("eval file", summary.get("eval_file")), ("mode", summary.get("mode")),
        ("models", ", ".join(f"{k}: {v}" for k, v in summary.get("models", {}).items())),
        ("corpus fingerprint", summary.get("corpus_fingerprint")), ("git commit", summary.get("git_commit")),
        ("items", summary.get("n", {}).get("overall")), ("wall time (s)", summary.get("wall_s")),
        ("started", summary.get("started_at")),
    ]
    html = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>policy-assistant eval</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>policy-assistant eval: <span class='verdict-{verdict.lower()}'>{verdict}</span></h1>",
        "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(fmt(v))}</td></tr>" for k, v in meta) + "</table>",
    ]
    if findings:
        html.append("<ul class='reasons'>" + "".join(f"<li>{escape(f.describe())}</li>" for f in findings) + "</ul>")
    html += ["<h2>overall</h2>", _overall_table(summary, thresholds, findings, baseline)]
    html += ["<h2>per type</h2>", _type_table(summary), chart_by_type(summary["by_type"])]
    latencies = [r["latency_ms"] for r in rows if r.get("latency_ms") is not None]
    if latencies:
        html += ["<h2>latency</h2>", chart_latency(latencies)]
    if baseline:
        html += ["<h2>baseline vs current</h2>", chart_baseline(summary["overall"], baseline["overall"])]
    html.append(f"<h2>failing items ({len(failing)} of {len(rows)})</h2>")
    html += [_item_html(r) for r in failing]
    html.append("</body></html>")
    return "\n".join(html)
