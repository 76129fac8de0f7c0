"""Drafting on the real seed index and on laws-dev files: template sections, verbatim cited points, no repeats,
honest gaps, the Word layout, Markdown = JSON, the LLM path through a local OpenAI-compatible server, the CLI."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import Settings
from assistant.drafting import NO_SUPPORT, Draft, Drafter, load_template
from assistant.drafting.evidence import near_duplicate
from assistant.drafting.markdown import point_line, to_markdown
from assistant.drafting.numbering import numbered, reference_line
from assistant.drafting.word import to_docx
from assistant.llm import make_chat_model
from tests.support.openai_server import OpenAIStubServer, prompt_text

ROOT = Path(__file__).resolve().parents[2]
LAWS = ROOT.parent / "shared" / "corpora" / "laws-dev"
CONTRACT = {"title", "type", "topic", "sections", "references"}
CITATION = {"n", "chunk_id", "title", "heading", "sources", "start_line", "end_line", "text", "quote"}


@pytest.fixture(scope="module")
def drafter(seed_assistant) -> Drafter:
    return Drafter.from_assistant(seed_assistant)


@pytest.fixture(scope="module")
def plan(drafter: Drafter) -> Draft:
    return drafter.draft("集团化办学", kind="实施方案")


def all_points(draft: Draft):
    return [p for s in draft.sections for p in s.points]


def assert_well_cited(draft: Draft) -> None:
    """The JSON contract; every point cited; every citation number is a reference with the same passage."""
    data = draft.to_json()
    assert CONTRACT <= set(data)
    refs = {r["n"]: r for r in data["references"]}
    assert sorted(refs) == list(range(1, len(refs) + 1))
    for section in data["sections"]:
        assert {"heading", "points"} <= set(section)
        for point in section["points"]:
            assert point["text"] and point["citations"]
            for c in point["citations"]:
                assert CITATION <= set(c)
                assert c["quote"] in c["text"]
                assert refs[c["n"]]["chunk_id"] == c["chunk_id"]


def test_a_plan_has_every_template_section_and_cited_points_drawn_verbatim(plan: Draft) -> None:
    template = load_template("实施方案")
    assert [s.heading for s in plan.sections] == [s.heading for s in template.sections]
    assert plan.title == "关于集团化办学的实施方案" and plan.covered and plan.mode == "extractive"
    assert sum(1 for s in plan.sections if s.points) >= 4
    for section in plan.sections:
        assert len(section.points) <= 5
        assert (section.note == NO_SUPPORT) == (not section.points)
    assert_well_cited(plan)
    for point in all_points(plan):
        assert len(point.citations) == 1
        assert point.text in point.citations[0].text  # extractive: the point is a span of its passage
        assert point.text in point.citations[0].quote  # ... of the very sentence it cites
        assert not re.match(r"^(?:同时|此外|另外|首先|其次|[一二三四五六七八九十]、|\d[、.．])", point.text)


def test_no_point_repeats_across_the_draft(plan: Draft) -> None:
    texts = [p.text for p in all_points(plan)]
    assert len(texts) >= 8
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            assert not near_duplicate(a, b), (a, b)


@pytest.mark.parametrize("topic", ["航天发射场的建设与管理", "深海养殖网箱的投喂管理"])
def test_a_topic_the_corpus_does_not_cover_gets_no_invented_text(drafter: Drafter, topic: str) -> None:
    draft = drafter.draft(topic, kind="工作方案")
    assert not draft.covered and draft.notice and "未找到" in draft.notice
    assert [s.heading for s in draft.sections] == [s.heading for s in load_template("工作方案").sections]
    assert all(not s.points and s.note == NO_SUPPORT for s in draft.sections)
    assert draft.references == []
    assert NO_SUPPORT in to_markdown(draft)


def test_the_word_file_follows_the_official_document_layout(plan: Draft, tmp_path: Path) -> None:
    path = tmp_path / "plan.docx"
    to_docx(plan, path)
    doc = Document(str(path))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    assert abs(section.top_margin - Mm(37)) < Mm(1) and abs(section.left_margin - Mm(28)) < Mm(1)
    assert abs(section.bottom_margin - Mm(35)) < Mm(1) and abs(section.right_margin - Mm(26)) < Mm(1)

    def east_asia(style_name: str) -> str:
        fonts = doc.styles[style_name].element.rPr.rFonts
        return fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")

    assert east_asia("Normal") == "仿宋_GB2312" and east_asia("Heading 1") == "黑体"
    assert east_asia("Heading 2") == "楷体_GB2312" and east_asia("Title") == "方正小标宋简体"
    assert doc.styles["Normal"].font.size.pt == 16 and doc.styles["Title"].font.size.pt == 22
    assert doc.styles["Normal"].paragraph_format.line_spacing.pt == 28

    paragraphs = doc.paragraphs
    assert paragraphs[0].style.name == "Title" and paragraphs[0].text == plan.title
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert headings == [h for h, _ in numbered(plan)] + ["参考依据"]
    body = "\n".join(p.text for p in paragraphs)
    for point in all_points(plan):
        assert point.text.rstrip("。") in body
    marks = [r.text for p in paragraphs for r in p.runs if r.font.superscript]
    assert marks and all(re.fullmatch(r"\[\d+\]", m) for m in marks)
    assert {int(m[1:-1]) for m in marks} == {r.n for r in plan.references}
    for ref in plan.references:
        assert f"[{ref.n}] {reference_line(ref)}" in body
    footer = section.footer._element.xml
    assert "PAGE" in footer and "—" in "".join(p.text for p in section.footer.paragraphs)
    font_table = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml").blob
    assert "方正小标宋简体".encode() in font_table and b"altName" in font_table  # the fallback when it is missing


def test_the_markdown_says_what_the_json_says(plan: Draft) -> None:
    text = to_markdown(plan)
    data = json.loads(json.dumps(plan.to_json(), ensure_ascii=False))
    assert text.startswith(f"# {data['title']}\n")
    for (heading, section), raw in zip(numbered(plan), data["sections"], strict=True):
        assert f"## {heading}" in text and raw["heading"] in heading
        for point in section.points:
            assert point_line(point) in text
    for ref in data["references"]:
        assert f"[{ref['n']}] " in text and ref["sources"][0] in text
    assert len(re.findall(r"^\d+\. ", text, flags=re.MULTILINE)) == len(all_points(plan))


def _rewrite_with_an_invention(body: dict) -> str:
    """A model that rewrites the first passage's first sentence faithfully and adds one claim no passage holds."""
    passage = prompt_text(body).split("[1]", 1)[1].split("«", 1)[1].split("»", 1)[0]
    first = re.split(r"(?<=[。！？；])", passage)[0].strip().rstrip("。；")
    return f"- {first}[1]。\n- 每所成员学校须配备两名宇航员并在2031年前建成火星分校[1]。\n"


def test_llm_points_are_verified_and_an_unsupported_one_is_dropped(seed_assistant, tmp_path: Path) -> None:
    outline = tmp_path / "outline.txt"
    outline.write_text("一、主要任务\n二、保障措施\n", encoding="utf-8")
    with OpenAIStubServer(reply=_rewrite_with_an_invention) as server:
        settings = seed_assistant.settings.model_copy(update={"llm_base_url": server.base_url, "llm_model": "stub-model"})
        drafter = Drafter(settings, seed_assistant.retriever, make_chat_model(settings))
        draft = drafter.draft("集团化办学", outline=outline)
        assert len(server.requests) == 2  # one rewrite per section
        assert "不得执行" in prompt_text(server.requests[0])  # passages are fenced as data
    assert draft.mode == "llm" and draft.model == "stub-model"
    assert [s.heading for s in draft.sections] == ["主要任务", "保障措施"]
    points = all_points(draft)
    assert points and all(p.citations for p in points)
    assert not any("宇航员" in p.text or "火星" in p.text for p in points)
    assert draft.notice and "2 条" in draft.notice
    assert_well_cited(draft)


def test_an_llm_endpoint_that_fails_leaves_the_extractive_points(seed_assistant, tmp_path: Path) -> None:
    outline = tmp_path / "outline.txt"
    outline.write_text("主要任务\n", encoding="utf-8")
    with OpenAIStubServer(mode="error500") as server:
        settings = seed_assistant.settings.model_copy(update={"llm_base_url": server.base_url, "llm_model": "stub-model"})
        draft = Drafter(settings, seed_assistant.retriever, make_chat_model(settings)).draft("集团化办学", outline=outline)
    assert draft.mode == "extractive" and draft.notice and "摘录式" in draft.notice
    assert all_points(draft) and all(p.text in p.citations[0].text for p in all_points(draft))


def test_cli_draft_json_and_word_export(seed_index, tmp_path: Path) -> None:
    outline = tmp_path / "outline.txt"
    outline.write_text("一、工作目标\n二、主要任务\n", encoding="utf-8")
    out = tmp_path / "方案.docx"
    result = CliRunner().invoke(app, ["draft", "集团化办学", "--outline", str(outline), "--json", "--out", str(out),
                                      "--data-dir", str(seed_index.data_dir)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert CONTRACT <= set(data) and data["type"] == "实施方案" and data["topic"] == "集团化办学"
    assert [s["heading"] for s in data["sections"]] == ["工作目标", "主要任务"]
    assert Document(str(out)).paragraphs[0].text == data["title"]
    bad = CliRunner().invoke(app, ["draft", "集团化办学", "--out", str(tmp_path / "x.pdf"),
                                   "--data-dir", str(seed_index.data_dir)])
    assert bad.exit_code == 2 and "x.pdf" in bad.output
    unknown = CliRunner().invoke(app, ["draft", "集团化办学", "--type", "公函", "--data-dir", str(seed_index.data_dir)])
    assert unknown.exit_code == 2 and "公函" in unknown.output


@pytest.fixture(scope="module")
def laws_index(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Settings:
    """Two real regulations from laws-dev ingested into a temp data dir."""
    from assistant.ingest.pipeline import ingest

    corpus = tmp_path_factory.mktemp("laws-corpus")
    for name in ("宁波市学校安全条例(2020-06-05).md", "学校卫生工作条例(1990-06-04).md"):
        shutil.copy(LAWS / name, corpus / name)
    settings = Settings(data_dir=tmp_path_factory.mktemp("laws-index"), corpus_dir=corpus)
    ingest(settings, embeddings=embeddings)
    return settings


@pytest.mark.skipif(not LAWS.is_dir(), reason="../shared/corpora/laws-dev is not beside the repository")
def test_a_work_plan_on_school_safety_from_regulations(laws_index: Settings, embeddings) -> None:
    drafter = Drafter.open(laws_index, embeddings=embeddings, llm=None)
    draft = drafter.draft("学校安全管理", kind="工作方案", sources=["宁波市学校安全条例(2020-06-05).md"])
    assert draft.covered and sum(1 for s in draft.sections if s.points) >= 3
    assert_well_cited(draft)
    for point in all_points(draft):
        assert point.citations[0].sources == ["宁波市学校安全条例(2020-06-05).md"]
        assert point.text in point.citations[0].text
        assert not re.match(r"^第[一二三四五六七八九十百]+条", point.text)  # the article number is no part of a point
