"""What a document is called on screen: its title, never a hash-like file name, the file name as secondary text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

# a stem like 003_229304e13f3f3a57: a scraper's id, meaningless to a reader
_HASHY = re.compile(r"(?:^|[_\-.])[0-9a-f]{12,}(?:$|[_\-.])", re.IGNORECASE)
UNTITLED = "未命名文档"


def is_hash_name(name: str) -> bool:
    """True for a file name or title that is a machine id rather than words."""
    return bool(_HASHY.search(PurePath(name or "").stem)) or bool(_HASHY.search(name or ""))


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def file_name(obj: Any) -> str:
    """The file a Hit, Citation, document row or their JSON came from (the first source)."""
    sources = _field(obj, "sources") or []
    return str(_field(obj, "source") or (sources[0] if sources else "") or "")


def display_title(obj: Any) -> str:
    """`title` (the documents' own title field), else the article title, else the file name; a hash-like
    candidate is skipped, and 未命名文档 is the last resort, so a machine id is never the primary label."""
    for candidate in (_field(obj, "title"), _field(obj, "article_title"), PurePath(file_name(obj)).stem):
        text = " ".join(str(candidate or "").split()).strip("《》")
        if text and not is_hash_name(text):
            return text
    return UNTITLED
