"""What is in an index, read from the collection (what search sees) and the manifest (no model is loaded)."""

from __future__ import annotations

from typing import Any

from assistant.config import Settings
from assistant.errors import IndexMissing
from assistant.index import stored_chunk_sources
from assistant.store_files import read_json


def index_stats(settings: Settings) -> dict[str, Any]:
    """files, chunks, model, dimension, data dir, last ingest time, and per-file chunk counts.

    Counts come from the collection, the store search reads; when an interrupted ingest left the manifest
    saying otherwise, `consistent` is false and `note` says to run ingest (which completes the run)."""
    manifest = read_json(settings.manifest_path, None) or {"files": {}}
    files = manifest.get("files", {})
    stored = stored_chunk_sources(settings)
    if not stored:
        raise IndexMissing(settings.data_dir)
    per_source: dict[str, int] = {}
    for sources in stored.values():
        for source in sources:
            per_source[source] = per_source.get(source, 0) + 1
    listed = {loc["id"] for entry in files.values() for loc in entry["chunks"]}
    consistent = listed == set(stored) and set(files) == set(per_source)
    info: dict[str, Any] = {
        "files": len(per_source),
        "chunks": len(stored),
        "model": manifest.get("embedding", ""),
        "dimension": manifest.get("dimension", 0),
        "data_dir": str(settings.data_dir),
        "last_ingest": manifest.get("last_ingest"),
        "consistent": consistent,
        "file_list": [
            {
                "source": name,
                "chunks": per_source[name],
                "articles": files.get(name, {}).get("articles", 0),
                "ingested_at": files.get(name, {}).get("ingested_at"),
                "path": files.get(name, {}).get("path"),
            }
            for name in sorted(per_source)
        ],
    }
    if not consistent:
        info["note"] = "an ingest was interrupted; run: policy-assistant ingest (it completes the run)"
    return info
