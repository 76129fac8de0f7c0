"""Optional second stage: a local sentence-transformers CrossEncoder scores (question, passage) pairs.

Off by default (no reranker ships); set `reranker` (POLICY_ASSISTANT_RERANKER) to a model directory on disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant.errors import AssistantError


class CrossEncoderReranker:
    """Loads a CrossEncoder from a local directory (CPU, never the network); `rerank` orders passages best first."""

    def __init__(self, path: str | Path, batch_size: int = 16, max_length: int = 512):
        if not Path(path).is_dir():
            raise AssistantError(f"reranker '{path}' is not a local model directory; unset POLICY_ASSISTANT_RERANKER")
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise AssistantError("the reranker needs sentence-transformers; run: pip install '.[st]'") from exc
        self.path = str(path)
        self.batch_size = batch_size
        self.model = CrossEncoder(self.path, device="cpu", local_files_only=True, max_length=max_length)

    def scores(self, query: str, texts: Sequence[str]) -> list[float]:
        """One relevance score per passage (higher = more relevant), in the given order."""
        if not texts:
            return []
        raw = self.model.predict([(query, t) for t in texts], batch_size=self.batch_size, show_progress_bar=False)
        return [float(x) for x in raw.reshape(len(texts), -1)[:, -1]]

    def rerank(self, query: str, ids: Sequence[str], texts: Sequence[str]) -> list[tuple[str, float]]:
        """(id, score) best first; ties keep the incoming (fused) order."""
        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        scored = list(zip(ids, self.scores(query, texts), strict=True))
        order = sorted(range(len(scored)), key=lambda i: (-scored[i][1], i))
        return [scored[i] for i in order]
