"""The public Python API: `Assistant.open().ask(question)`; the CLI, UI and eval all go through it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assistant.answer.chain import AnswerChain
from assistant.config import Settings, load_settings
from assistant.embeddings import make_embeddings
from assistant.inputs import validate_input
from assistant.llm import describe_model, make_chat_model
from assistant.models import Answer, Hit
from assistant.retrieve.hybrid import Retriever


class Assistant:
    """Models and index loaded once; `ask`, `stream`, `search`, `refresh` after the index changed."""

    def __init__(self, settings: Settings, retriever: Retriever, llm: Any = None):
        self.settings = settings
        self.retriever = retriever
        self.chain = AnswerChain(settings, retriever, llm)

    @classmethod
    def open(cls, settings: Settings | None = None, embeddings: Any = None, llm: Any = None, **overrides: Any) -> Assistant:
        """Open the index in settings.data_dir (IndexMissing if there is none) and load the models."""
        settings = settings or load_settings(**overrides)
        retriever = Retriever(settings, embeddings=embeddings or make_embeddings(settings))
        assistant = cls(settings, retriever, llm if llm is not None else make_chat_model(settings))
        assistant.chain.warm_up()
        return assistant

    @property
    def model(self) -> str:
        return describe_model(self.settings) if self.chain.llm is not None else "extractive"

    def ask(self, question: str, history: list[dict[str, str]] | None = None, k: int | None = None,
            sources: list[str] | None = None, as_of: str | None = None) -> Answer:
        """A cited answer; raises InvalidInput (a code, a message) at once for a question or history over the limits.
        `as_of` (YYYY-MM-DD): cite only the document versions in force on that date (default: the as_of setting)."""
        question, history = validate_input(question, history, self.settings)
        return self.chain.invoke(question, history, k=k, sources=sources, as_of=_date(as_of))

    def stream(self, question: str, history: list[dict[str, str]] | None = None, k: int | None = None,
               sources: list[str] | None = None, as_of: str | None = None) -> Iterator[str | Answer]:
        """Text pieces, then the final Answer; InvalidInput and a malformed as_of are raised here, before the first
        piece."""
        question, history = validate_input(question, history, self.settings)
        return self.chain.stream_answer(question, history, k=k, sources=sources, as_of=_date(as_of))

    def search(self, query: str, **kwargs: Any) -> list[Hit]:
        return self.retriever.search(query, **kwargs)

    def refresh(self) -> bool:
        """Pick up an ingest or deletion done since opening; True when the index had changed."""
        return self.retriever.refresh()


def _date(as_of: str | None) -> str | None:
    """A per-question as-of date, checked now (YYYY-MM-DD) so a typo is an error, not a silent newest version."""
    from assistant.retrieve.versions import check_date

    return check_date(as_of) if as_of and as_of.strip() else None
