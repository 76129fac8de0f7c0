"""What is in an index, read from the manifest and the collection (no model is loaded)."""

from __future__ import annotations

from typing import Any

from assistant.config import Settings
from assistant.errors import IndexMissing
from assistant.store_files import read_json


def _first(entry: dict[str, Any], key: str) -> str:
    return str(entry["chunks"][0].get(key, "")) if entry.get("chunks") else ""


def _title(name: str, entry: dict[str, Any]) -> str:
    """The file's document title (first article's), the file name only when the text states none."""
    titles = entry.get("titles") or [_first(entry, "article_title")]
    return str(titles[0] or name)


def index_stats(settings: Settings) -> dict[str, Any]:
    """files, chunks, model, dimension, data dir, last ingest time, and per-file chunk counts."""
    manifest = read_json(settings.manifest_path, None)
    if not manifest or not manifest.get("files"):
        raise IndexMissing(settings.data_dir)
    files = manifest["files"]
    chunk_ids = {loc["id"] for entry in files.values() for loc in entry["chunks"]}
    return {
        "files": len(files),
        "chunks": len(chunk_ids),
        "model": manifest.get("embedding", ""),
        "dimension": manifest.get("dimension", 0),
        "data_dir": str(settings.data_dir),
        "last_ingest": manifest.get("last_ingest"),
        "file_list": [
            {
                "source": name,
                "title": _title(name, entry),  # what a person calls the file: its (first) document's title
                "titles": entry.get("titles") or [],
                "doc_type": _first(entry, "doc_type"),
                "version_date": entry.get("version_date") or _first(entry, "version_date"),
                "chunks": len({loc["id"] for loc in entry["chunks"]}),
                "articles": entry.get("articles", 0),
                "ingested_at": entry.get("ingested_at"),
                "path": entry.get("path"),
            }
            for name, entry in sorted(files.items())
        ],
    }
