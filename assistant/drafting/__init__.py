"""Drafting 实施方案, 工作方案 and 调研报告 from cited passages, exported to Word and Markdown.

`from assistant.drafting import Drafter, draft, Draft`; `draft(settings, "集团化办学", kind="实施方案")`.
"""

from assistant.drafting.drafter import Drafter, draft
from assistant.drafting.models import NO_SUPPORT, Draft, DraftCitation, Point, Section
from assistant.drafting.templates import DEFAULT_TYPE, available, load_template

__all__ = ["DEFAULT_TYPE", "NO_SUPPORT", "Draft", "DraftCitation", "Drafter", "Point", "Section", "available",
           "draft", "load_template"]
