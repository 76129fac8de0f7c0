"""Launch the Gradio app (placeholder until the UI lands)."""

from assistant.config import Settings


def serve(settings: Settings) -> None:  # replaced by the UI issue
    raise NotImplementedError("the UI is not built yet")
