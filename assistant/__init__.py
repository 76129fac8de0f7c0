"""政策助手 policy-assistant: cited answers over Chinese education policy texts.

Public API: `from assistant import Assistant, Answer, Hit`.
"""

from typing import Any

from assistant.config import disable_telemetry

disable_telemetry()

__all__ = ["Answer", "Assistant", "Hit"]


def __getattr__(name: str) -> Any:
    """Import the heavy parts (models, Chroma) only when they are used."""
    if name == "Assistant":
        from assistant.assistant import Assistant

        return Assistant
    if name in ("Answer", "Hit"):
        from assistant import models

        return getattr(models, name)
    raise AttributeError(name)
