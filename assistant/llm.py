"""Thin adapter from Settings to a LangChain chat model for an OpenAI-compatible endpoint.

Nothing here touches the network until the model is invoked: construction only builds clients.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from assistant.config import Settings

EXTRACTIVE = "extractive"


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """A (by default streaming) ChatOpenAI for the configured endpoint, or None when no LLM is configured."""
    base_url, model = settings.llm_base_url, settings.llm_model
    if not (settings.llm_enabled and base_url and model):
        return None
    # Imported here so extractive-only runs never pay for (or depend on) the OpenAI client.
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=base_url,
        model=model,
        api_key=SecretStr(settings.llm_api_key or "not-needed"),  # local servers accept any key
        timeout=settings.llm_timeout,
        max_retries=0,  # a failed call falls back to extractive at once instead of retrying
        temperature=settings.llm_temperature,
        streaming=settings.llm_streaming,
        # Chat Completions only: some model names would otherwise route to the Responses API,
        # which OpenAI-compatible local servers rarely implement.
        use_responses_api=False,
    )


def describe_model(settings: Settings) -> str:
    """What answers are made with, for logs and the UI: the model name or 'extractive'."""
    return str(settings.llm_model) if settings.llm_enabled else EXTRACTIVE
