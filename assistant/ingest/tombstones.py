"""Files deleted from the knowledge base: they stay where the user keeps them, but ingest leaves them out.

`data_dir/deleted.json` maps a file name to the path and content hash it had when it was deleted. A later
ingest skips a file at that path with that content; change the file (or upload it again, which clears the
tombstone) and it is ingested as usual. Written atomically, by the one knowledge-base writer at a time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.store_files import read_json, write_json_atomic

VERSION = 1


def tombstones_path(settings: Settings) -> Path:
    return settings.data_dir / "deleted.json"


def read_tombstones(settings: Settings) -> dict[str, dict[str, Any]]:
    return dict(read_json(tombstones_path(settings), {}).get("files", {}))


def set_tombstone(settings: Settings, name: str, entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """Record (or, with None, clear) the tombstone of one file name; returns what was there before."""
    files = read_tombstones(settings)
    previous = files.pop(name, None)
    if entry is not None:
        files[name] = entry
    if entry is not None or previous is not None:
        write_json_atomic(tombstones_path(settings), {"version": VERSION, "files": files})
    return previous


def tombstone(path: str | Path, sha256: str) -> dict[str, Any]:
    """The entry for a file deleted now: where it was and what it held."""
    return {
        "path": str(Path(path).resolve()),
        "sha256": sha256,
        "deleted_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def is_tombstoned(tombstones: dict[str, dict[str, Any]], path: Path, sha256: str) -> bool:
    """True for a deleted file still at the same path with the same content (so ingest must leave it out);
    `tombstones` is read_tombstones(), read once per run."""
    entry = tombstones.get(path.name)
    return entry is not None and entry.get("sha256") == sha256 and entry.get("path") == str(path.resolve())
