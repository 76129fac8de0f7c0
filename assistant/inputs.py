"""The one check every question passes before any work (Python API, CLI, UI): size limits on the question and
its history, and a word to search for; a refused input costs nothing and logs one line, never a traceback."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from assistant.config import Settings
from assistant.errors import InvalidInput
from assistant.text import zh

log = logging.getLogger(__name__)
# a word the index can match: a Chinese character, or two Latin letters (accented ones included)
_WORD = re.compile(f"[{zh.CJK}]|[A-Za-z\u00c0-\u024f]{{2,}}")
ROLES = ("user", "assistant")


def validate_input(
    question: Any, history: Sequence[Any] | None, settings: Settings
) -> tuple[str, list[dict[str, str]]]:
    """The question (invisible characters removed, trimmed) and history as plain messages; raises InvalidInput
    with a code and a message for the user when either breaks a limit of `settings`."""
    try:
        return _validate(question, history, settings)
    except InvalidInput as exc:
        log.info("input refused: %s (%s)", exc.code, exc)
        raise


def _validate(question: Any, history: Sequence[Any] | None, settings: Settings) -> tuple[str, list[dict[str, str]]]:
    if not isinstance(question, str):
        raise InvalidInput("empty_question", "问题不能为空（question is empty）")
    if len(question) > settings.max_question_chars:  # before any other work on it: the length is the cost
        raise InvalidInput(
            "question_too_long",
            f"问题太长：{len(question):,} 字，上限 {settings.max_question_chars:,} 字"
            f"（question too long: {len(question):,} > {settings.max_question_chars:,} characters）",
        )
    text = zh.strip_invisible(question).strip()
    if not text:
        raise InvalidInput("empty_question", "问题不能为空（question is empty）")
    if not _WORD.search(text):
        raise InvalidInput("no_words", "问题里没有可检索的汉字或英文单词（the question has no Chinese or Latin word）")
    messages = _messages(history or [], settings)
    return text, messages


def _messages(history: Sequence[Any], settings: Settings) -> list[dict[str, str]]:
    if not isinstance(history, (list, tuple)):
        raise InvalidInput("history_malformed", "对话历史必须是消息列表（history must be a list of messages）")
    if len(history) > settings.max_history_turns:
        raise InvalidInput(
            "history_too_long",
            f"对话太长：{len(history)} 条消息，上限 {settings.max_history_turns} 条；请开始新对话"
            f"（history has {len(history)} messages > {settings.max_history_turns}; start a new conversation）",
        )
    messages: list[dict[str, str]] = []
    total = 0
    for message in history:
        if not isinstance(message, dict) or message.get("role") not in ROLES or not isinstance(message.get("content", ""), str):
            raise InvalidInput(
                "history_malformed",
                "对话历史的每条消息须为 {\"role\": \"user\"|\"assistant\", \"content\": 文本}（malformed history message）",
            )
        content = str(message.get("content", ""))
        total += len(content)
        if total > settings.max_history_chars:
            raise InvalidInput(
                "history_too_long",
                f"对话历史超过 {settings.max_history_chars:,} 字；请开始新对话"
                f"（history longer than {settings.max_history_chars:,} characters; start a new conversation）",
            )
        messages.append({"role": str(message["role"]), "content": content})
    return messages
