"""What is in an index, read from the collection (what search sees) and the manifest (no model is loaded)."""

from __future__ import annotations

from typing import Any

from assistant.config import Settings
from assistant.errors import IndexMissing
from assistant.index import stored_chunk_sources
from assistant.store_files import read_json


def _first(entry: dict[str, Any], key: str) -> str:
    return str(entry["chunks"][0].get(key, "")) if entry.get("chunks") else ""


def _title(name: str, entry: dict[str, Any]) -> str:
    """The file's document title (first article's), the file name only when the text states none."""
    titles = entry.get("titles") or [_first(entry, "article_title")]
    return str(titles[0] or name)


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
                "title": _title(name, files.get(name, {})),  # what a person calls the file: its document's title
                "titles": files.get(name, {}).get("titles") or [],
                "doc_type": _first(files.get(name, {}), "doc_type"),
                "version_date": files.get(name, {}).get("version_date") or _first(files.get(name, {}), "version_date"),
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
