"""`policy-assistant serve` (and `python ui.py`): build the UI (assistant/ui/) and serve it with the safety defaults."""

from __future__ import annotations

import ipaddress
import sys

from assistant.config import Settings, disable_telemetry


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(settings: Settings) -> None:
    """Load the models and index once, then serve on settings.host:port until interrupted (never a share link)."""
    disable_telemetry()
    from assistant.ui import app as ui

    ui.read_auth(settings.auth)  # a malformed login setting fails before the models load
    if not _loopback(settings.host) and not settings.auth:
        print(
            f"warning: serving on {settings.host} without a login; set POLICY_ASSISTANT_AUTH=user:password",
            file=sys.stderr,
        )
    app = ui.build_app(settings)
    _, url, _ = ui.launch(app, settings, prevent_thread_lock=True, quiet=True)
    login = "（需要登录）" if settings.auth else ""
    print(f"政策助手已启动：{url} {login}· 按 Ctrl+C 退出", flush=True)
    app.block_thread()
