"""A corpus profile: facts about one corpus or website kept in data files a user edits, not in code.

The language rules stay in `zh`; what belongs to a particular corpus (a site's boilerplate lines, the entity
names jieba should keep whole, everyday words its users type for its vocabulary) lives in a folder of plain
text files. The shipped defaults (general vocabulary only) sit beside this module; a corpus adds its own in
`<corpus_dir>/.profile/` (hidden, so it is never ingested as a document), or in `settings.profile_dir`.

Files (UTF-8, one entry a line, '#' starts a comment):
- `cleaning.txt`: regular expressions; a line of a document matching one is boilerplate and is dropped
  (`cut:REGEX` cuts the match from a line, `opener:WORD` names an essay opener a title may be glued before).
- `userdict.txt`: jieba user-dictionary lines ('词 频率 词性').
- `synonyms.txt`: an everyday word, then the corpus terms a question containing it also searches for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULTS_DIR = Path(__file__).resolve().parent
PROFILE_FOLDER = ".profile"
PROFILE_FILES = ("cleaning.txt", "userdict.txt", "synonyms.txt")


def _entries(path: Path) -> list[str]:
    """The non-blank, non-comment lines of a profile file ('#' comments end a line)."""
    if not path.is_file():
        return []
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line:
            lines.append(line)
    return lines


@dataclass(frozen=True)
class CorpusProfile:
    """The profile folders in force, defaults first: `entries(name)` reads one kind of entry from all of them."""

    folders: tuple[Path, ...] = field(default_factory=lambda: (DEFAULTS_DIR,))

    def entries(self, name: str) -> list[str]:
        """Every entry of file `name` (one of PROFILE_FILES), the defaults' first, duplicates kept once."""
        if name not in PROFILE_FILES:
            raise ValueError(f"unknown profile file {name!r} (known: {', '.join(PROFILE_FILES)})")
        return list(dict.fromkeys(e for folder in self.folders for e in _entries(folder / name)))

    def files(self, name: str) -> list[Path]:
        """The existing files called `name` in the profile folders, defaults first (jieba loads paths)."""
        return [folder / name for folder in self.folders if (folder / name).is_file()]


def profile_for(corpus_dir: Path | None, profile_dir: Path | None = None) -> CorpusProfile:
    """The defaults plus `profile_dir`, or else plus `<corpus_dir>/.profile/` where that folder exists."""
    extra = profile_dir if profile_dir is not None else (corpus_dir / PROFILE_FOLDER if corpus_dir else None)
    folders = [DEFAULTS_DIR]
    if extra is not None and extra.is_dir() and extra.resolve() != DEFAULTS_DIR:
        folders.append(extra)
    return CorpusProfile(tuple(folders))
