"""`python ui.py`: serve the chat UI (the app itself is assistant/ui/; this file only launches it).

Kept at the top level so `python ui.py` keeps working; `build_app`, `launch` and `PolicyUI` are re-exported
for scripts and tests written against the old module.
"""

from __future__ import annotations

from assistant.ui.app import PolicyUI, blocked_paths, build_app, launch, read_auth

__all__ = ["PolicyUI", "blocked_paths", "build_app", "launch", "read_auth"]


def main() -> None:
    from assistant.config import load_settings
    from assistant.serve import serve

    serve(load_settings())


if __name__ == "__main__":
    main()
