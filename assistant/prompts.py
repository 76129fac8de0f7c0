"""Prompt templates live in prompts/*.md (sections '## system' and '## human'); the package reaches them as
assistant/_prompts (a link in the checkout, package data in a wheel); this loads them as LangChain prompts."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

PROMPTS_DIR = Path(__file__).resolve().parent / "_prompts"


@cache
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> ChatPromptTemplate:
    """`prompts/<name>.md` as a chat prompt: each '## role' section becomes one message."""
    text = (directory / f"{name}.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (system|human|ai)\s*$", text, flags=re.MULTILINE)
    messages = [(parts[i], parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]
    if not messages:
        raise ValueError(f"{directory / name}.md has no '## system' / '## human' sections")
    return ChatPromptTemplate.from_messages(messages)
