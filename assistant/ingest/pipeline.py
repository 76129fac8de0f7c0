"""Ingest: files -> load -> structure -> chunks -> tokens -> Chroma, incremental, idempotent, one writer at a time.

The manifest (written last, atomically) is the truth of which file holds which chunk; Chroma is brought in
line with it on every run, so a run killed half-way is completed by the next one.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.embeddings import embedding_name, make_embeddings
from assistant.errors import AssistantError, UnsupportedFile
from assistant.index import Index, chunk_sentences, sentence_key
from assistant.ingest.chunk import Chunk, chunk_article
from assistant.ingest.events import EventSink, FileDone, Progress, Throughput
from assistant.ingest.load import SUPPORTED_SUFFIXES, Limits, RawDoc, file_kind, load, stat_is_regular
from assistant.ingest.prefetch import prefetched
from assistant.ingest.structure import Article, Cleaning, structure
from assistant.ingest.tombstones import is_tombstoned, read_tombstones
from assistant.ingest.vectorcache import VectorCache
from assistant.store_files import IngestLock, read_json, write_json_atomic
from assistant.text import zh
from assistant.text.profile import profile_for
from assistant.text.tokenizer import place_names, profile_in_force, tokenize

log = logging.getLogger(__name__)
MANIFEST_VERSION = 1
EMBED_BATCH = 32  # chunks embedded (with their sentences) between two progress reports
NEAR_DUPLICATE = 0.8  # share of a new chunk's sentences (by characters) already stored elsewhere


@dataclass
class IngestSummary:
    """What one ingest run did; the CLI prints it as a table and --json as this dict."""

    ingested: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    pruned: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # deleted in the UI's 知识库 tab and unchanged since
    articles: int = 0
    chunks: int = 0  # chunks in the index after the run
    chunks_embedded: int = 0
    chunks_removed: int = 0
    sentences_embedded: int = 0
    duplicates_merged: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Parsed:
    raw: RawDoc
    articles: list[Article]
    chunks: list[Chunk]


@dataclass
class _Read:
    """What reading one file on the prefetch thread came to."""

    status: str  # parsed, unchanged, left_out, rejected
    item: _Parsed | None = None
    mtime: float = 0.0
    reason: str = ""
    seconds: float = 0.0


class _AheadVectors:
    """Which texts of a parsed file a fresh decision will embed, guessed while later files are still to come,
    and made ahead into the run's VectorCache. The guess takes a chunk already stored, or one that a stored or
    earlier-parsed chunk near-duplicates, as not needed (the final decision may still embed it: then it is made
    by the batched write, as before), so a wrong guess rarely costs the model anything."""

    def __init__(self, cache: VectorCache, stored: dict[str, dict[str, Any]], stored_keys: set[str], sentences: bool):
        self.cache, self.stored, self.stored_keys, self.sentences = cache, stored, stored_keys, sentences
        self.near: _NearDuplicates | None = None
        self.failed = False

    def plan(self, item: _Parsed) -> list[str]:
        if self.near is None:
            self.near = _NearDuplicates()
            for cid, rec in self.stored.items():
                meta = rec.get("metadata") or {}
                self.near.add(cid, rec["text"], (meta.get("article_title", ""), meta.get("version_date", "")))
        texts: list[str] = []
        for c in item.chunks:
            version = (c.article_title, c.version_date)
            if c.chunk_id in self.stored or c.chunk_id in self.near.sentences or self.near.match(c.text, version):
                continue
            self.near.add(c.chunk_id, c.text, version)
            texts.append(c.text)
            if self.sentences:
                texts += [t for t in chunk_sentences(c.text) if sentence_key(t) not in self.stored_keys]
        return [t for t in dict.fromkeys(texts) if not self.cache.held(t)]

    def make(self, texts: list[str]) -> bool:
        """Embed ahead; False when the model failed (then every vector is made by the writes, which report it)."""
        if self.failed:
            return False
        try:
            self.cache.make(texts)
        except Exception as exc:
            log.warning("ingest: embedding ahead failed (%s); vectors are made as they are written", type(exc).__name__)
            self.failed = True
            return False
        return True


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: supported files under each directory (recursively; hidden files and the folder's own
    README.md are not documents), and every file named directly."""
    return [path for path, _ in discover_with_roots(paths)]


def discover_with_roots(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """`discover`, each file with the ingest root it was found under (its folder when named directly)."""
    return scan(paths).found


@dataclass
class Scan:
    """What discovery found: the files to ingest (with their root), and the entries refused before reading them
    (a symlink leading out of the corpus, a symlink loop, a broken link, a FIFO or socket), each with its reason."""

    found: list[tuple[Path, Path]] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)


def _refusal(path: Path, root: Path) -> str | None:
    """Why this entry is no document (None when it is one): links must stay inside the corpus folder and lead to
    a regular file, so a link to /etc/passwd never becomes citable text and a FIFO never blocks the run."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except RuntimeError:
            return "symlink loop"
        except OSError as exc:
            return "symlink loop" if exc.errno == errno.ELOOP else "broken symlink (its target does not exist)"
        if not target.is_relative_to(root.resolve()):
            return "symlink leads outside the corpus folder"
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if stat_is_regular(mode) or stat.S_ISDIR(mode):
        return None
    return f"not a regular file ({file_kind(mode)})"


def scan(paths: Iterable[Path]) -> Scan:
    """Walk the given files and folders (links are never followed out of the folder; hidden entries and a
    folder's README.md are skipped): documents to ingest, and refused entries with their reasons."""
    result = Scan()
    found: list[tuple[Path, Path]] = []
    for path in paths:
        path = Path(path)
        if not path.is_dir():
            reason = _refusal(path, path.parent)
            if reason and not reason.startswith("cannot read"):
                result.rejected[path.name] = reason
            else:
                found.append((path, path.parent))  # a missing file is reported by the reader, as before
            continue
        for folder, dirs, files in os.walk(path, followlinks=False):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for d in list(dirs):
                if (here / d).is_symlink():  # never walked: inside, its files are found anyway; outside, refused
                    dirs.remove(d)
                    reason = _refusal(here / d, path)
                    if reason:
                        result.rejected[(here / d).relative_to(path).as_posix()] = reason
            for name in sorted(files):
                entry = here / name
                if name.startswith("."):
                    continue
                reason = _refusal(entry, path)
                if reason:
                    result.rejected[entry.relative_to(path).as_posix()] = reason
                elif entry.suffix.lower() in SUPPORTED_SUFFIXES and name.lower() != "readme.md" and not entry.is_dir():
                    found.append((entry, path))
    seen: set[Path] = set()
    for p, r in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            result.found.append((p, r))
    return result


def source_keys(found: list[tuple[Path, Path]]) -> dict[Path, str]:
    """The manifest key (and `source`) of each file: its bare name, or, when two files share that name, its
    path under the ingest root ('a/plan.txt'), so they do not overwrite each other's entry every run."""
    counts: dict[str, int] = {}
    for path, _ in found:
        counts[path.name] = counts.get(path.name, 0) + 1
    return {
        path: path.name if counts[path.name] == 1 else path.relative_to(root).as_posix()
        for path, root in found
    }


_LEAD_CHARS = 200  # where an article says whose report it is: '江苏省建湖县实验小学教育集团…秉承…'


def parse(raw: RawDoc, settings: Settings) -> _Parsed:
    """Structure and chunk one loaded file; tokens for the keyword index include the heading path and the
    places and schools its article's lead names (what the chunk is about, though only the lead says it:
    '建湖那个教育集团用…比喻' finds the 木桶理论 passage of the 建湖 report)."""
    articles = structure(raw.lines, raw.path.stem, raw.heading_lines, raw.title, cleaning_patterns(settings))
    chunks: list[Chunk] = []
    for article in articles:
        names = place_names(article.text[:_LEAD_CHARS])
        for c in chunk_article(
            article, raw.source, settings.chunk_min_chars, settings.chunk_max_chars, settings.chunk_overlap_sentences
        ):
            # the heading path starts with the title: every chunk is found by its document's title and byline
            c.tokens = tokenize(c.heading.replace(" > ", " ") + " " + c.text)
            c.tokens += tokenize(" ".join(n for n in [*names, article.author] if n and n not in c.text))
            chunks.append(c)
    return _Parsed(raw, articles, chunks)


def cleaning_patterns(settings: Settings) -> Cleaning:
    """The corpus profile's cleaning rules (`cleaning.txt` of the defaults and of the corpus's .profile)."""
    return _compiled(tuple(profile_for(settings.corpus_dir, settings.profile_dir).entries("cleaning.txt")))


@cache
def _compiled(entries: tuple[str, ...]) -> Cleaning:
    try:
        return Cleaning.from_entries(list(entries))
    except ValueError as exc:
        raise AssistantError(f"corpus profile cleaning.txt: {exc}") from None


def parser_state(settings: Settings) -> str:
    """The parser fingerprint plus the profile's cleaning patterns: a changed profile re-parses every file."""
    rules = cleaning_patterns(settings)
    extra = "\n".join(p.pattern for p in rules.drop) + "\ncut:" + "\n".join(p.pattern for p in rules.cut)
    extra += "\nopener:" + "\n".join(rules.openers) if rules.openers else ""
    extra = "" if not (rules.drop or rules.cut or rules.openers) else extra
    return parser_fingerprint() + ("" if not extra else ":" + hashlib.sha256(extra.encode()).hexdigest()[:8])


def _location(c: Chunk) -> dict[str, Any]:
    return {
        "id": c.chunk_id,
        "article_title": c.article_title,
        "heading": c.heading,
        "start_line": c.start_line,
        "end_line": c.end_line,
        "char_start": c.char_start,
        "char_end": c.char_end,
        "article_index": c.article_index,
        "chunk_index": c.chunk_index,
        "doc_type": c.doc_type,
        "issuer": c.issuer,
        "doc_number": c.doc_number,
        "date": c.date,
        "version_date": c.version_date,
        "author": c.author,
    }


def _sentence_keys(text: str) -> dict[str, int]:
    return {zh.compact(s): len(s) for s in zh.split_sentences(text) if len(s) >= 8}


class _NearDuplicates:
    """Finds a stored chunk that says the same thing as a new one (the seeds repeat articles re-wrapped)."""

    def __init__(self) -> None:
        self.by_sentence: dict[str, set[str]] = {}
        self.sentences: dict[str, dict[str, int]] = {}
        self.versions: dict[str, set[tuple[str, str]]] = {}  # chunk id -> (title, version date) of its documents

    def add(self, chunk_id: str, text: str, version: tuple[str, str] = ("", "")) -> None:
        keys = _sentence_keys(text)
        self.sentences[chunk_id] = keys
        self.versions.setdefault(chunk_id, set()).add(version)
        for k in keys:
            self.by_sentence.setdefault(k, set()).add(chunk_id)

    def _other_version(self, chunk_id: str, version: tuple[str, str]) -> bool:
        """The chunk belongs to another version of the same document: an amendment must keep its own words."""
        title, date = version
        return bool(title) and any(t == title and d != date for t, d in self.versions.get(chunk_id, ()))

    def match(self, text: str, version: tuple[str, str] = ("", "")) -> str | None:
        """The stored chunk best covering this text, when stored chunks already hold ≥80% of its sentences (a
        chunk of another version of the same document never counts)."""
        keys = _sentence_keys(text)
        total = sum(keys.values())
        if not total:
            return None
        covered = sum(n for k, n in keys.items() if k in self.by_sentence)
        if covered / total < NEAR_DUPLICATE:
            return None
        shared: dict[str, int] = {}
        for k, n in keys.items():
            for cid in self.by_sentence.get(k, ()):
                if not self._other_version(cid, version):
                    shared[cid] = shared.get(cid, 0) + n
        if not shared:
            return None
        best = max(sorted(shared), key=lambda cid: shared[cid])
        return best if shared[best] / total >= 0.5 else None


def _chunk_metadata(primary: tuple[str, dict[str, Any]], sources: list[str], locations: list[dict[str, Any]], tokens: str) -> dict[str, Any]:
    source, loc = primary
    meta = {k: v for k, v in loc.items() if k != "id"}
    meta.update(
        source=source,
        sources=json.dumps(sources, ensure_ascii=False),
        locations=json.dumps(locations, ensure_ascii=False),
        tokens=tokens,
    )
    return meta


def ingest(
    settings: Settings,
    paths: list[Path] | None = None,
    prune: bool = False,
    rebuild: bool = False,
    embeddings: Embeddings | None = None,
    progress: Callable[[int, int], None] | None = None,
    events: EventSink | None = None,
) -> IngestSummary:
    """Bring the index in line with the given files (default: the corpus dir). Raises IngestLocked if busy.

    `progress(done, total)` follows the batched writes (chunks); `events` gets a FileDone as each file is settled
    and a Progress with the time left (assistant/ingest/events.py). While the model embeds one file the next is
    parsed on a worker thread (settings.ingest_prefetch); every write still happens below, in the same order."""
    started = time.perf_counter()
    summary = IngestSummary()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with IngestLock(settings.lock_path), profile_in_force(settings.corpus_dir, settings.profile_dir):
        if rebuild:  # the manifest goes first: a run killed before the store is gone must not trust it
            settings.manifest_path.unlink(missing_ok=True)
            shutil.rmtree(settings.docs_dir, ignore_errors=True)
            shutil.rmtree(settings.keyword_dir, ignore_errors=True)
            Index.destroy(settings)
        embeddings = embeddings or make_embeddings(settings)
        # the batched writes below take the vectors made ahead while later files parsed
        cache = VectorCache(embeddings)
        index = Index(settings, cache, create=True)
        manifest = read_json(settings.manifest_path, {"version": MANIFEST_VERSION, "files": {}})
        if manifest.get("embedding") and manifest["embedding"] != embedding_name(embeddings):
            manifest = {"version": MANIFEST_VERSION, "files": {}}
        files: dict[str, dict[str, Any]] = dict(manifest.get("files", {}))
        # the cleaning/structure/chunking code changed since the last run: every file is parsed again (chunk ids
        # are content hashes, so only chunks whose text really changed are embedded)
        reparse = bool(files) and manifest.get("parser") != parser_state(settings)

        stored = {r["id"]: r for r in index.get()}
        # a file whose chunks are not all in the store (data/chroma deleted or rebuilt) is parsed again
        def intact(entry: dict[str, Any]) -> bool:
            return all(loc["id"] in stored for loc in entry["chunks"])

        parsed: dict[str, _Parsed] = {}
        tombstones = read_tombstones(settings)
        found = scan(paths if paths is not None else [settings.corpus_dir])
        summary.rejected.update(found.rejected)
        keys = source_keys(found.found)
        limits = file_limits(settings)
        # files refused by an earlier run, with their size and mtime: an unchanged one is not parsed again (a
        # parser that hit its time limit would otherwise cost that time on every run)
        refused_before: dict[str, dict[str, Any]] = dict(manifest.get("rejected", {}))
        refused_now: dict[str, dict[str, Any]] = {}
        throughput = Throughput()
        stored_keys = index.sentence_keys() if settings.sentence_vectors else set()
        reported: set[str] = set()
        pruned_now: set[str] = set()  # reported too, but not among the files found (total)
        total = len(keys) + len(found.rejected)

        def progress_event(chars_left: int) -> Progress:
            return Progress(len(reported - pruned_now), total, cache.chars, chars_left, round(throughput.elapsed(), 2),
                            throughput.eta(cache.chars, chars_left))

        def report(done: FileDone, chars_left: int | None = None) -> None:
            reported.add(done.name)
            if events:
                events(done)
                if chars_left is not None:
                    events(progress_event(chars_left))

        for name, reason in found.rejected.items():
            report(FileDone(name, "rejected", reason=reason))
        work: list[tuple[Path, str, os.stat_result]] = []
        for path, name in keys.items():
            _rekey(files, name, str(path.resolve()), set(keys.values()), settings)
        for path, name in keys.items():
            entry = files.get(name)
            try:
                stat = path.stat()
            except OSError as exc:
                summary.rejected[name] = f"cannot read: {exc.strerror or exc}"
                report(FileDone(name, "rejected", reason=summary.rejected[name]))
                continue
            if (entry and intact(entry) and not reparse
                    and entry["size"] == stat.st_size and entry["mtime"] == stat.st_mtime):
                summary.skipped.append(name)
                report(FileDone(name, "unchanged"))
                continue
            known = refused_before.get(name)
            if not reparse and known and [known.get("size"), known.get("mtime"), known.get("path"), known.get("limits")] == [
                    stat.st_size, stat.st_mtime, str(path.resolve()), repr(limits)]:
                summary.rejected[name] = known["reason"]  # unchanged since it was refused: not parsed again
                refused_now[name] = known
                report(FileDone(name, "rejected", reason=known["reason"]))
                continue
            work.append((path, name, stat))

        def read(job: tuple[Path, str, os.stat_result]) -> _Read:
            """Load (sandboxed, within the file's limits) and parse one file; on the prefetch thread, so it only
            reads the run's state. Never raises: one broken file must never abort the run."""
            path, name, stat = job
            started = time.perf_counter()
            try:
                raw = load(path, limits=limits)
                if is_tombstoned(tombstones, path, raw.sha256):
                    return _Read("left_out")  # deleted in the 知识库 tab: left out until it changes or is uploaded again
                entry = files.get(name)
                if entry and intact(entry) and not reparse and entry["sha256"] == raw.sha256:
                    return _Read("unchanged", mtime=raw.mtime)
                item = parse(replace(raw, source=name), settings)
                if not item.chunks:
                    raise UnsupportedFile(path, "no text left after cleaning")
            except Exception as exc:
                reason = exc.reason if isinstance(exc, UnsupportedFile) else _parse_failure(name, exc)
                return _Read("rejected", reason=reason)
            return _Read("parsed", item=item, seconds=time.perf_counter() - started)

        ahead = settings.ingest_prefetch if len(work) > 1 else 0
        ahead_vectors = _AheadVectors(cache, stored, stored_keys, settings.sentence_vectors)
        waiting: dict[str, tuple[int, float]] = {}  # parsed, its vectors not made yet: planned characters, parse s
        for number, ((path, name, stat), got) in enumerate(prefetched(read, work, ahead)):
            left = sum(throughput.chars_for(s.st_size) for _, _, s in work[number + 1 :]) + sum(c for c, _ in waiting.values())
            if got.status == "left_out":
                summary.left_out.append(name)
                report(FileDone(name, "left_out"), left)
            elif got.status == "unchanged":
                files[name]["mtime"] = got.mtime
                summary.skipped.append(name)
                report(FileDone(name, "unchanged"), left)
            elif got.status == "rejected":
                summary.rejected[name] = got.reason
                if not got.reason.startswith("cannot read"):
                    refused_now[name] = {"size": stat.st_size, "mtime": stat.st_mtime, "path": str(path.resolve()),
                                         "limits": repr(limits), "reason": got.reason}
                report(FileDone(name, "rejected", reason=got.reason), left)
            else:
                assert got.item is not None
                parsed[name] = got.item
                planned = ahead_vectors.plan(got.item)
                throughput.parsed(stat.st_size, sum(len(t) for t in planned))
                # the next file is parsing on the worker now: embed this one's new texts meanwhile (the last file
                # has nothing to overlap with, so its vectors are made by the batched writes, with their progress)
                embed_started = time.perf_counter()
                if ahead and number + 1 < len(work) and ahead_vectors.make(planned):
                    seconds = got.seconds + time.perf_counter() - embed_started
                    report(FileDone(name, "ingested", len(got.item.chunks), round(seconds, 2)), left)
                else:
                    waiting[name] = (sum(len(t) for t in planned), got.seconds)

        for name, entry in list(files.items()):
            if (intact(entry) and not reparse) or name in parsed or name in summary.rejected:
                continue
            try:  # not among the paths of this run: parse it from where it was found
                parsed[name] = parse(replace(load(Path(entry["path"]), limits=limits), source=name), settings)
            except Exception:
                if intact(entry):
                    continue  # only the parser changed: its chunks are still good; --prune decides about the file
                del files[name]  # gone from disk and from the store: nothing of it is left to keep
                summary.pruned.append(name)
                pruned_now.add(name)
                report(FileDone(name, "pruned"))

        if prune:
            for name, entry in list(files.items()):
                if name not in parsed and not Path(entry["path"]).exists():
                    del files[name]
                    summary.pruned.append(name)
                    pruned_now.add(name)
                    report(FileDone(name, "pruned"))

        merge_only = _parse_overlapping(files, parsed, stored, summary, settings, limits)

        # ---- the new state: which chunks each file holds (near-duplicates mapped onto stored chunks)
        near = _NearDuplicates()
        texts: dict[str, str] = {}
        tokens: dict[str, str] = {}
        for cid, rec in stored.items():
            texts[cid] = rec["text"]
            tokens[cid] = rec["metadata"].get("tokens", "")
        for name, entry in files.items():
            if name not in parsed:
                for loc in entry["chunks"]:
                    if loc["id"] in texts:
                        near.add(loc["id"], texts[loc["id"]], (loc.get("article_title", ""), loc.get("version_date", "")))
        for name in sorted(parsed):
            item = parsed[name]
            locations = []
            for c in item.chunks:
                cid = c.chunk_id
                # `near` holds the new state so far; a chunk outside it is decided as a fresh ingest would decide
                # it, even when an earlier version of a file left it in the store (then it costs no embedding)
                version = (c.article_title, c.version_date)
                if cid not in near.sentences:
                    match = near.match(c.text, version)
                    if match:
                        cid = match
                    else:
                        if cid not in texts or reparse:  # stored tokens stay unless the tokenizer may have changed
                            tokens[cid] = " ".join(c.tokens)
                        texts[cid] = c.text
                        near.add(cid, c.text, version)
                elif reparse:  # same text, but the tokenizer or its word lists may have changed
                    tokens[cid] = " ".join(c.tokens)
                loc = _location(c)
                loc["id"] = cid
                locations.append(loc)
            files[name] = {
                "path": str(item.raw.path.resolve()),
                "size": item.raw.size,
                "mtime": item.raw.mtime,
                "sha256": item.raw.sha256,
                "ingested_at": files[name]["ingested_at"] if name in merge_only else datetime.now(UTC).isoformat(timespec="seconds"),
                "articles": len(item.articles),
                "titles": [a.title for a in item.articles],
                "version_date": item.articles[0].version_date if item.articles else "",
                "chunks": locations,
            }
            if name not in merge_only:
                summary.ingested.append(name)

        holders: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for name in sorted(files):
            for loc in files[name]["chunks"]:
                holders.setdefault(loc["id"], []).append((name, loc))
        wanted = set(holders)
        existing = set(stored)

        # ---- bring Chroma in line: add new chunks, relabel touched ones, delete orphans
        new_ids = sorted(wanted - existing)
        touched = {loc["id"] for name in parsed for loc in files[name]["chunks"]}
        touched |= {cid for cid in existing & wanted if stored[cid]["metadata"].get("sources") != json.dumps(sorted({n for n, _ in holders[cid]}), ensure_ascii=False)}

        def meta_for(cid: str) -> dict[str, Any]:
            hs = holders[cid]
            return _chunk_metadata(hs[0], sorted({n for n, _ in hs}), [{"source": n, **loc} for n, loc in hs], tokens[cid])

        # sentence vectors are keyed by a hash of their text and reconciled by set difference, not by new_ids: a
        # run killed between the chunk and the sentence writes (or an index built before them) gets the missing
        # ones now, and a sentence another chunk or file already holds is never embedded again
        # (stored_keys was read before parsing; nothing has written since)
        need_sentences = (
            {c for c in wanted if any(sentence_key(s) not in stored_keys for s in chunk_sentences(texts[c]))}
            if settings.sentence_vectors else set()
        )
        # progress counts chunks whose vectors (its own, its sentences') are made: a chunk is done with both
        todo = sorted(set(new_ids) | need_sentences)
        fresh = set(new_ids)
        # the files still to report: settled once the last batch holding one of their chunks is written
        unsettled = {name: {loc["id"] for loc in files[name]["chunks"]} & set(todo)
                     for name in summary.ingested if name not in reported}
        planned_chars = _chars_to_embed(todo, fresh, need_sentences, texts, stored_keys, cache)
        embedded_before, writes_started = cache.chars, time.perf_counter()

        def settle() -> None:
            left = max(planned_chars - (cache.chars - embedded_before), 0)
            for name in [n for n, ids in unsettled.items() if not ids]:
                del unsettled[name]
                _, parse_s = waiting.get(name, (0, 0.0))
                seconds = parse_s + time.perf_counter() - writes_started
                report(FileDone(name, "ingested", len(files[name]["chunks"]), round(seconds, 2)), left)

        settle()
        if progress:
            progress(0, len(todo))
        for i in range(0, len(todo), EMBED_BATCH):
            batch = todo[i : i + EMBED_BATCH]
            added = [c for c in batch if c in fresh]
            _hook("embed")
            index.add(added, [texts[c] for c in added], [meta_for(c) for c in added])
            _hook("write")
            summary.sentences_embedded += index.add_sentences(
                {c: texts[c] for c in batch if c in need_sentences}, stored_keys
            )
            if progress:
                progress(min(i + EMBED_BATCH, len(todo)), len(todo))
            for ids in unsettled.values():
                ids.difference_update(batch)
            settle()
            if events and not unsettled and i + EMBED_BATCH < len(todo):
                events(progress_event(max(planned_chars - (cache.chars - embedded_before), 0)))
        relabel = sorted((touched & existing) & wanted)
        index.update_metadata(relabel, [meta_for(c) for c in relabel])
        orphans = existing - wanted
        _hook("delete")
        index.delete(orphans)
        if settings.sentence_vectors:
            index.prune_sentences((texts[c] for c in wanted), stored_keys)

        for name, item in parsed.items():
            write_json_atomic(doc_path(settings, name), {
                "source": name,
                "articles": [
                    {"index": a.index, "title": a.title, "text": a.text, "start_line": a.start_line, "end_line": a.end_line,
                     "doc_type": a.doc_type, "issuer": a.issuer, "doc_number": a.doc_number, "date": a.date,
                     "version_date": a.version_date, "author": a.author}
                    for a in item.articles
                ],
            })
        for name in summary.pruned:
            doc_path(settings, name).unlink(missing_ok=True)
        manifest = {
            "version": MANIFEST_VERSION,
            "embedding": embedding_name(embeddings),
            "dimension": int(getattr(embeddings, "dimension", 0) or 0),
            "parser": parser_state(settings),
            "last_ingest": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": files,
            "rejected": refused_now,
        }
        _hook("manifest")
        write_json_atomic(settings.manifest_path, manifest)

        summary.chunks_embedded = len(new_ids)
        summary.chunks_removed = len(orphans)
        summary.chunks = len(wanted)
        summary.duplicates_merged = sum(len({n for n, _ in hs}) - 1 for hs in holders.values())
        summary.articles = sum(int(e.get("articles", 0)) for e in files.values())
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _chars_to_embed(todo: list[str], fresh: set[str], need_sentences: set[str], texts: dict[str, str],
                    stored_keys: set[str], cache: VectorCache) -> int:
    """Characters the batched writes will give the model: new chunk texts and missing sentences not made ahead."""
    chars = sum(len(texts[c]) for c in dict.fromkeys(todo) if c in fresh and not cache.held(texts[c]))
    missing = {sentence_key(t): t for c in todo if c in need_sentences for t in chunk_sentences(texts[c])}
    return chars + sum(len(t) for k, t in missing.items() if k not in stored_keys and not cache.held(t))


def _parse_overlapping(
    files: dict[str, dict[str, Any]], parsed: dict[str, _Parsed], stored: dict[str, dict[str, Any]],
    summary: IngestSummary, settings: Settings, limits: Limits,
) -> set[str]:
    """Parse again the unchanged files that share a sentence with a changed one (and so on, transitively), so
    the near-duplicate merge decides them in the same name order as a clean ingest: an incremental ingest then
    ends with the chunks a clean one would. Returns those files' names (not reported as ingested)."""
    if not parsed:
        return set()
    keys: set[str] = set()
    for item in parsed.values():
        for c in item.chunks:
            keys.update(_sentence_keys(c.text))
    extra: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, entry in sorted(files.items()):
            if name in parsed or name in summary.rejected:
                continue
            held = {k for loc in entry["chunks"] for k in _sentence_keys(stored.get(loc["id"], {}).get("text", ""))}
            if not held & keys:
                continue
            try:
                item = parse(replace(load(Path(entry["path"]), limits=limits), source=name), settings)
            except Exception:
                continue  # unreadable now: its stored chunks stay as they are
            parsed[name] = item
            extra.add(name)
            for c in item.chunks:
                keys.update(_sentence_keys(c.text))
            changed = True
    return extra


def _hook(moment: str) -> None:
    """Crash-safety tests stop here: POLICY_ASSISTANT_TEST_PAUSE_AT=<moment> makes the run announce the moment on
    stderr and sleep, so a test can SIGKILL it at exactly that point (embed, write, delete, manifest)."""
    if os.environ.get("POLICY_ASSISTANT_TEST_PAUSE_AT") == moment:
        print(f"paused at {moment}", file=sys.stderr, flush=True)
        time.sleep(3600)


def file_limits(settings: Settings) -> Limits:
    """What one file may cost at ingest (size, inflated size, line length, parser time and memory)."""
    return Limits(
        max_bytes=settings.max_file_bytes,
        max_inflated_bytes=settings.max_inflated_bytes,
        max_line_chars=settings.max_line_chars,
        timeout_s=settings.parse_timeout_s,
        memory_mb=settings.parse_memory_mb,
    )


def _parse_failure(name: str, exc: Exception) -> str:
    """A reason for a file whose parsing raised something unforeseen; one log line, no traceback."""
    message = (str(exc).strip().splitlines() or [""])[0][:120]
    log.warning("ingest: %s rejected: %s: %s", name, type(exc).__name__, message)
    return f"could not be parsed ({type(exc).__name__}: {message})" if message else f"could not be parsed ({type(exc).__name__})"


def _rekey(files: dict[str, dict[str, Any]], name: str, resolved: str, current: set[str], settings: Settings) -> None:
    """Move the manifest entry of the file at `resolved` to key `name` when it was recorded under another key
    (a bare name that a second same-named file now makes ambiguous), so the file is not ingested twice."""
    if name in files:
        return
    for old, entry in list(files.items()):
        if entry.get("path") == resolved and old not in current:
            files[name] = files.pop(old)
            if doc_path(settings, old).exists():
                doc_path(settings, name).parent.mkdir(parents=True, exist_ok=True)
                doc_path(settings, old).replace(doc_path(settings, name))
            return


_PARSER_SOURCES = ("text/zh.py", "ingest/decode.py", "ingest/load.py", "ingest/css.py", "ingest/structure.py", "ingest/chunk.py",
                   "text/tokenizer.py", "text/userdict.txt", "text/stopwords.txt")


@cache
def parser_fingerprint() -> str:
    """Of the code and word lists that turn a file into chunks and tokens; recorded in the manifest."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for name in _PARSER_SOURCES:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes())
    return digest.hexdigest()[:16]


def doc_path(settings: Settings, source: str) -> Path:
    """Where the cleaned articles of one file are kept for the '全文' view: named by a hash of the source, so a
    250-byte file name or a 'sub/dir' key never makes a path the file system refuses."""
    return settings.docs_dir / f"{hashlib.sha256(source.encode('utf-8')).hexdigest()[:32]}.json"


def delete_source(settings: Settings, name: str, embeddings: Embeddings | None = None) -> IngestSummary:
    """Forget one file: its chunks leave the index unless another file still holds them."""
    manifest = read_json(settings.manifest_path, {"files": {}})
    if name not in manifest.get("files", {}):
        raise UnsupportedFile(name, "not in the index")
    # prune treats a file as gone when its recorded path does not exist: point it nowhere
    manifest["files"][name]["path"] = str(settings.data_dir / "__deleted__" / name)
    with IngestLock(settings.lock_path), profile_in_force(settings.corpus_dir, settings.profile_dir):
        write_json_atomic(settings.manifest_path, manifest)
    return ingest(settings, paths=[], prune=True, embeddings=embeddings)


def read_manifest(settings: Settings) -> dict[str, Any]:
    return read_json(settings.manifest_path, {"files": {}})
