"""The Gradio app: `build_app(settings)` and `launch(app, settings)`; layout in app.py, HTML in render.py."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:  # gradio loads only when the app is wanted, not for `assistant.ui.render`
    if name in ("build_app", "launch", "PolicyUI", "read_auth", "blocked_paths"):
        from assistant.ui import app

        return getattr(app, name)
    raise AttributeError(name)
