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


def chart_refusal_curves(curves: Mapping[str, Mapping[str, Any] | None],
                         points: Mapping[str, tuple[float | None, float | None]] | None = None) -> str:
    """Refusal recall against false-refusal rate as the refusal threshold moves, one line per set; a dot marks each
    set's actual decisions, the dotted line the 3 % false-refusal target."""
    from matplotlib.figure import Figure

    drawn = {name: c for name, c in curves.items() if c}
    if not drawn:
        return "<p class='na'>no refusal score in the results: no curve</p>"
    fig = Figure(figsize=(6, 4.5))
    ax = fig.subplots()
    for name, curve in drawn.items():
        xs = [p["false_refusal_rate"] for p in curve["points"]]
        ys = [p["refusal_recall"] for p in curve["points"]]
        line = ax.step(xs, ys, where="post", label=f"{name} (AUC {curve['auc']:.2f})")[0]
        fr, rr = (points or {}).get(name, (None, None))
        if fr is not None and rr is not None:
            ax.plot([fr], [rr], "o", color=line.get_color())
    ax.axvline(next(iter(drawn.values()))["max_false_refusal"], color="#999", linestyle=":", linewidth=1)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("false-refusal rate (answerable items refused)")
    ax.set_ylabel("refusal recall (unanswerable items refused)")
    ax.set_title("refusal curve (dot: the answers' own decisions)")
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def _curve_note(curve: Mapping[str, Any] | None, source: str | None = None) -> str:
    if not curve:
        return ""
    at = curve["recall_at_max_false_refusal"]
    return (f"<p>{curve['n_unanswerable']} unanswerable and {curve['n_answerable']} answerable items scored"
            f"{f' ({escape(source)})' if source else ''}; AUC {curve['auc']:.3f}; refusal recall at ≤ "
            f"{curve['max_false_refusal']:.0%} false refusals: {fmt(at)}</p>")


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
    if summary.get("refusal_curve"):
        sources = sorted({r["refusal_score_source"] for r in rows if r.get("refusal_score_source")})
        html += ["<h2>refusal curve</h2>", _curve_note(summary["refusal_curve"], ", ".join(sources) or None),
                 chart_refusal_curves({"this set": summary["refusal_curve"]}, {"this set": (
                     summary["overall"].get("false_refusal_rate"), summary["overall"].get("refusal_recall"))})]
    latencies = [r["latency_ms"] for r in rows if r.get("latency_ms") is not None]
    if latencies:
        html += ["<h2>latency</h2>", chart_latency(latencies)]
    if baseline:
        html += ["<h2>baseline vs current</h2>", chart_baseline(summary["overall"], baseline["overall"])]
    html.append(f"<h2>failing items ({len(failing)} of {len(rows)})</h2>")
    html += [_item_html(r) for r in failing]
    html.append("</body></html>")
    return "\n".join(html)


PAIR_COLUMNS = ("citation_hit", "false_refusal_rate", "refusal_recall", "refusal_precision", "hit@1", "hit@5", "mrr@10")


def _pair_table(report: Mapping[str, Any], dev: str, test: str, gap: Mapping[str, Any]) -> str:
    """Per type (overall first): each metric as dev, test and dev − test; a gap over the limit is marked."""
    sets = report["sets"]
    head = "<tr><th>type</th><th>n dev/test</th>" + "".join(
        f"<th>{escape(m)}<br>dev · test · Δ</th>" for m in PAIR_COLUMNS) + "</tr>"
    rows = [head]
    types = ["overall", *[t for t in sets[dev]["by_type"] if t in sets[test]["by_type"]]]
    for t in types:
        dv = sets[dev]["overall"] if t == "overall" else sets[dev]["by_type"][t]
        tv = sets[test]["overall"] if t == "overall" else sets[test]["by_type"][t]
        gv = gap["overall"] if t == "overall" else gap["by_type"][t]
        nd = sets[dev]["n"]["overall"] if t == "overall" else sets[dev]["n"]["by_type"][t]
        nt = sets[test]["n"]["overall"] if t == "overall" else sets[test]["n"]["by_type"][t]
        cells = []
        for m in PAIR_COLUMNS:
            g = gv.get(m)
            cls = "fail" if g is not None and abs(g) > gap["limit"] + 1e-9 else ""
            cells.append(f'<td class="{cls}">{fmt(dv.get(m))} · {fmt(tv.get(m))} · {"–" if g is None else f"{g:+.3f}"}</td>')
        rows.append(f"<tr><td>{escape(t)}</td><td>{nd}/{nt}</td>{''.join(cells)}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def render_sets_report(report: Mapping[str, Any]) -> str:
    """The overview of a sets run: every set's verdict, each dev/test pair side by side, every refusal curve."""
    sets = report["sets"]
    verdict = "PASS" if report["exit_code"] == 0 else "FAIL"
    html = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>policy-assistant eval: sets</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>policy-assistant eval, {len(sets)} set(s): <span class='verdict-{verdict.lower()}'>{verdict}</span></h1>",
        f"<p>sets file {escape(str(report.get('sets_file')))} · mode {escape(str(report.get('mode')))} · git "
        f"{escape(str(report.get('git_commit')))} · {fmt(report.get('wall_s'))} s · only test sets gate</p>",
        "<table><tr><th>set</th><th>split</th><th>kb</th><th>items</th><th>citation_hit</th><th>false_refusal_rate</th>"
        "<th>refusal_recall</th><th>hit@5</th><th>mrr@10</th><th>gate</th><th>report</th></tr>",
    ]
    for name, s in sets.items():
        o = s["overall"]
        gate = ("FAIL" if s["exit_code"] else "pass") if s["gated"] else ("errors" if s["errors"] else "not gated")
        cls = "fail" if s["exit_code"] else ("pass" if s["gated"] else "")
        html.append(
            f"<tr class='{cls}'><td>{escape(name)}</td><td>{escape(s['split'])}</td><td>{escape(s['kb'])}</td>"
            f"<td>{s['n']['overall']}</td>" + "".join(f"<td>{fmt(o.get(m))}</td>" for m in
                                                      ("citation_hit", "false_refusal_rate", "refusal_recall", "hit@5", "mrr@10"))
            + f"<td>{gate}</td><td><a href='{escape(name)}/report.html'>{escape(name)}/report.html</a></td></tr>")
    html.append("</table>")
    for s_name, s in sets.items():
        if s["findings"]:
            html.append("<ul class='reasons'>" + "".join(f"<li>{escape(s_name)}: {escape(f['message'])}</li>"
                                                        for f in s["findings"]) + "</ul>")
    for pair, entry in report.get("pairs", {}).items():
        for label, gap in entry["gaps"].items():
            dev, test = (x.strip() for x in label.split("−"))
            html.append(f"<h2>{escape(pair)}: dev {escape(dev)} vs test {escape(test)}</h2>")
            if gap["flagged"]:
                html.append(f"<p class='reasons'>dev − test beyond ±{gap['limit']}: "
                            + "; ".join(escape(f) for f in gap["flagged"]) + "</p>")
            html.append(_pair_table(report, dev, test, gap))
    html.append("<h2>refusal curves</h2>")
    html += [_curve_note(s["refusal_curve"]).replace("<p>", f"<p><b>{escape(n)}</b>: ", 1) for n, s in sets.items()]
    html.append(chart_refusal_curves({n: s["refusal_curve"] for n, s in sets.items()},
                                     {n: (s["overall"].get("false_refusal_rate"), s["overall"].get("refusal_recall"))
                                      for n, s in sets.items()}))
    for name, s in sets.items():
        html += [f"<h2>{escape(name)} per type</h2>", _type_table(s), chart_by_type(s["by_type"])]
    html.append("</body></html>")
    return "\n".join(html)
