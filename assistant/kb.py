"""The knowledge base as a service: list documents, upload (staged, rolled back on failure), delete (tombstoned),
re-index. The UI, the CLI and the Python API all call this one module, one writer at a time.

Results carry codes (`FileResult.code`, `KnowledgeBaseError.code`), so callers word their own messages;
nothing here returns a server path to show.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import AssistantError, IndexMissing, IngestLocked, reason_code
from assistant.ingest.pipeline import IngestSummary, delete_source, doc_path, ingest, read_manifest
from assistant.ingest.tombstones import read_tombstones, set_tombstone, tombstone
from assistant.titles import display_title

MIB = 1024 * 1024
UPLOAD_TYPES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")

Progress = Callable[[int, int], None]


class KnowledgeBaseError(AssistantError):
    """A knowledge-base operation that could not be done; `code` says which case (not_in_kb, ingest_locked)."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass
class Document:
    """One file of the knowledge base as a reader sees it: title first, the file name secondary."""

    source: str
    title: str
    doc_type: str = ""
    date: str = ""
    issuer: str = ""
    chunks: int = 0
    articles: int = 0
    ingested_at: str | None = None
    on_disk: bool = True
    uploaded: bool = False


@dataclass
class FileResult:
    """What happened to one uploaded file: ingested, skipped (unchanged) or rejected with a code and reason."""

    name: str
    status: str  # "ingested" | "skipped" | "rejected"
    code: str = ""
    reason: str = ""


@dataclass
class UploadReport:
    results: list[FileResult] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0

    def named(self, status: str) -> list[FileResult]:
        return [r for r in self.results if r.status == status]


@dataclass
class DeleteReport:
    source: str
    title: str
    kept_on_disk: bool  # the user's own file stays where it is; a tombstone keeps re-index from bringing it back


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False


class KnowledgeBase:
    """The operations on one data dir; `embeddings` is called when a model is first needed (loaded once)."""

    def __init__(self, settings: Settings, embeddings: Callable[[], Any]):
        self.settings = settings
        self._embeddings = embeddings
        self.lock = threading.Lock()

    @property
    def uploads_dir(self) -> Path:
        return self.settings.data_dir / "uploads"

    # ------------------------------------------------------------------ reading
    def _doc_json(self, source: str) -> dict[str, Any]:
        try:
            data = json.loads(doc_path(self.settings, source).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def documents(self) -> list[Document]:
        """Every ingested file, sorted by title; metadata the ingest recorded (title, type, date, issuer) if any."""
        files = read_manifest(self.settings).get("files", {})
        docs = []
        for name, entry in files.items():
            doc = self._doc_json(name)
            # the document's own fields wherever the ingest puts them: the manifest entry, its metadata, the docs JSON
            meta = {**doc, **doc.get("metadata", {}), **entry.get("metadata", {}), **entry}
            articles = doc.get("articles", []) if not meta.get("title") else []
            title = display_title({
                "title": meta.get("title"), "article_title": articles[0].get("title") if articles else "", "source": name,
            })
            path = str(entry.get("path") or "")
            docs.append(Document(
                source=name, title=title,
                doc_type=str(meta.get("doc_type") or meta.get("type") or ""),
                date=str(meta.get("date") or meta.get("issued") or ""),
                issuer=str(meta.get("issuer") or ""),
                chunks=len({loc["id"] for loc in entry.get("chunks", [])}),
                articles=int(entry.get("articles", 0)),
                ingested_at=entry.get("ingested_at"),
                on_disk=bool(path) and Path(path).exists(),
                uploaded=bool(path) and _inside(Path(path), self.uploads_dir),
            ))
        return sorted(docs, key=lambda d: (d.title, d.source))

    def article(self, source: str, article_index: int) -> dict[str, Any] | None:
        """One cleaned article of a file (for the 全文 view); None when the file is gone."""
        return next((a for a in self._doc_json(source).get("articles", []) if a.get("index") == article_index), None)

    # ------------------------------------------------------------------ writing
    def _check(self, src: Path, seen: set[str], known: dict[str, Any]) -> FileResult | None:
        name = src.name.strip()
        limit = int(self.settings.upload_max_mb * MIB)
        if not name or name.startswith(".") or name in seen:
            return FileResult(name or "(unnamed)", "rejected", "bad_name", "invalid or repeated file name")
        if src.suffix.lower() not in UPLOAD_TYPES:
            return FileResult(name, "rejected", "unsupported_type", f"unsupported file type {src.suffix or '(none)'}")
        size = src.stat().st_size
        if size > limit:
            return FileResult(name, "rejected", "file_too_large",
                              f"file too large ({size / MIB:.1f} MB > {self.settings.upload_max_mb:g} MB)")
        entry = known.get(name)
        if entry and not _inside(Path(entry.get("path", "")), self.uploads_dir):
            return FileResult(name, "rejected", "name_taken", "a corpus file of this name is in the knowledge base")
        return None

    def upload(self, paths: Sequence[str | Path], on_file: Callable[[int, int, str], None] | None = None,
               progress: Progress | None = None) -> UploadReport:
        """Copy files into data_dir/uploads and ingest them one by one; a rejected file leaves no trace (the
        copy it replaced and its tombstone come back), the others go on."""
        report = UploadReport()
        sources = [Path(p) for p in paths if p]
        uploads = self.uploads_dir
        uploads.mkdir(parents=True, exist_ok=True)
        with self.lock:
            known = read_manifest(self.settings).get("files", {})
            seen: set[str] = set()
            for i, src in enumerate(sources):
                if on_file is not None:
                    on_file(i, len(sources), src.name)
                refused = self._check(src, seen, known)
                if refused is not None:
                    report.results.append(refused)
                    continue
                seen.add(src.name)
                report.results.append(self._upload_one(src, uploads / src.name, report, progress))
        return report

    def _upload_one(self, src: Path, dest: Path, report: UploadReport, progress: Progress | None) -> FileResult:
        name = dest.name
        backup = None
        if dest.exists():
            backup = dest.with_name(f".{name}.previous")
            dest.replace(backup)
        shutil.copyfile(src, dest)
        # uploading a deleted upload again is how it comes back: clear its tombstone (put back if this fails).
        # A tombstone on a corpus file stays: the upload is another path, so it comes in, the corpus copy stays out.
        cleared = None
        if read_tombstones(self.settings).get(name, {}).get("path") == str(dest.resolve()):
            cleared = set_tombstone(self.settings, name, None)
        result: FileResult
        try:
            summary = ingest(self.settings, paths=[dest], embeddings=self._embeddings(), progress=progress)
        except IngestLocked as exc:
            summary, result = None, FileResult(name, "rejected", exc.code, str(exc))
        except AssistantError as exc:
            summary, result = None, FileResult(name, "rejected", exc.code, str(exc))
        if summary is not None:
            report.chunks_embedded += summary.chunks_embedded
            report.seconds += summary.seconds
            if name in summary.rejected:
                reason = summary.rejected[name]
                result = FileResult(name, "rejected", reason_code(reason), reason)
            else:
                result = FileResult(name, "ingested" if name in summary.ingested else "skipped")
        if result.status == "rejected":
            dest.unlink(missing_ok=True)
            if backup is not None:
                backup.replace(dest)
            if cleared is not None:
                set_tombstone(self.settings, name, cleared)
        elif backup is not None:
            backup.unlink(missing_ok=True)
        return result

    def delete(self, name: str) -> DeleteReport:
        """Remove a file's chunks from the index and tombstone it, so a re-index leaves it out; the file stays."""
        files = read_manifest(self.settings).get("files", {})
        if name not in files:
            raise KnowledgeBaseError("not_in_kb", f"{name}: not in the knowledge base")
        title = next((d.title for d in self.documents() if d.source == name), name)
        original = Path(files[name].get("path", ""))
        with self.lock:
            # tombstone first: an ingest that slips in between cannot bring the file back
            previous = set_tombstone(self.settings, name, tombstone(original, str(files[name].get("sha256", ""))))
            try:
                delete_source(self.settings, name, embeddings=self._embeddings())
            except BaseException:
                set_tombstone(self.settings, name, previous)
                raise
        return DeleteReport(name, title, original.is_file())

    def reindex(self, progress: Progress | None = None) -> IngestSummary:
        """Ingest the corpus folder and the uploads again: changed files re-read, vanished ones dropped."""
        roots = [p for p in (self.settings.corpus_dir, self.uploads_dir) if p.is_dir()]
        with self.lock:
            return ingest(self.settings, paths=roots, prune=True, embeddings=self._embeddings(), progress=progress)

    def summary(self) -> dict[str, Any]:
        """Counts for a one-line description: documents, chunks, documents per type."""
        docs = self.documents()
        types: dict[str, int] = {}
        for d in docs:
            if d.doc_type:
                types[d.doc_type] = types.get(d.doc_type, 0) + 1
        try:
            from assistant.stats import index_stats

            chunks = int(index_stats(self.settings)["chunks"])
        except IndexMissing:
            chunks = 0
        return {"documents": len(docs), "chunks": chunks, "types": types}
