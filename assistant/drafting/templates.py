"""Document types as data: prompts/drafting/<类型>.toml (shipped as package data), <data_dir>/drafting/*.toml
(a user's own types), or a plain outline file of headings."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

from assistant.config import PROJECT_ROOT
from assistant.errors import AssistantError
from assistant.prompts import load_prompt
from assistant.text import zh

DEFAULT_TYPE = "实施方案"


@dataclass(frozen=True)
class SectionSpec:
    """A heading of the outline and what its passages are about (words added to the topic for retrieval)."""

    heading: str
    intent: str = ""
    level: int = 1


@dataclass(frozen=True)
class Template:
    """A document type: its name, its title pattern ('关于{topic}的实施方案') and its sections."""

    type: str
    title: str
    sections: tuple[SectionSpec, ...]

    def title_for(self, topic: str) -> str:
        return self.title.replace("{topic}", topic)


def builtin_dir() -> Path:
    """prompts/drafting/ of a source checkout, else the copy packed into the wheel (assistant/_prompts)."""
    checkout = PROJECT_ROOT / "prompts" / "drafting"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("assistant") / "_prompts" / "drafting"))


def prompt(name: str) -> ChatPromptTemplate:
    """prompts/drafting/<name>.md as a chat prompt (the same '## system' / '## human' format as prompts/)."""
    return load_prompt(name, builtin_dir())


def template_dirs(data_dir: Path | None = None) -> list[Path]:
    """Where types are looked up, later ones overriding earlier ones of the same name."""
    dirs = [builtin_dir()]
    if data_dir is not None:
        dirs.append(Path(data_dir) / "drafting")
    return [d for d in dirs if d.is_dir()]


def available(data_dir: Path | None = None) -> dict[str, Path]:
    """Every document type by name (the `type` field of its file, else the file's stem)."""
    found: dict[str, Path] = {}
    for directory in template_dirs(data_dir):
        for path in sorted(directory.glob("*.toml")):
            try:
                found[str(_read_toml(path).get("type") or path.stem)] = path
            except AssistantError:
                continue  # a broken user file does not hide the others; loading it by name says why
    return found


def load_template(name_or_path: str | Path = DEFAULT_TYPE, data_dir: Path | None = None) -> Template:
    """A type by name (实施方案, 工作方案, 调研报告, or a user's) or a template file's path."""
    path = Path(name_or_path)
    if not (path.suffix == ".toml" and path.is_file()):
        types = available(data_dir)
        if str(name_or_path) not in types:
            raise AssistantError(f"unknown document type '{name_or_path}' (types: {', '.join(types) or 'none'})")
        path = types[str(name_or_path)]
    return parse_template(_read_toml(path), path)


def parse_template(data: dict, path: Path) -> Template:
    sections = []
    for i, item in enumerate(data.get("sections") or [], start=1):
        if not isinstance(item, dict) or not str(item.get("heading", "")).strip():
            raise AssistantError(f"{path.name}: section {i} needs a 'heading'")
        sections.append(SectionSpec(str(item["heading"]).strip(), str(item.get("intent", "")).strip(),
                                    2 if int(item.get("level", 1)) == 2 else 1))
    if not sections:
        raise AssistantError(f"{path.name}: no [[sections]]")
    kind = str(data.get("type") or path.stem)
    return Template(kind, str(data.get("title") or f"关于{{topic}}的{kind}"), tuple(sections))


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AssistantError(f"{path.name}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssistantError(f"{path.name}: not a valid template ({exc})") from None


def parse_outline(text: str) -> tuple[SectionSpec, ...]:
    """A custom outline: one heading a line; '（一）…' lines (or indented ones) are second-level headings.

    Markers (一、 （一） 1.) are dropped: the exporters number the headings themselves. '#' lines are comments.
    """
    specs = []
    for raw in text.splitlines():
        line = zh.normalize(raw).strip()
        if not line or line.startswith("#"):
            continue
        mark = zh.outline_mark(line)
        level = 2 if (mark and mark.level >= 3) or raw[:1] in (" ", "\t", "\u3000") else 1
        heading = (mark.heading + mark.rest) if mark else line
        specs.append(SectionSpec(heading.strip("：: "), "", level))
    return tuple(specs)


def load_outline(path: Path, base: Template) -> Template:
    """The base type's title with the headings of an outline file instead of its sections."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AssistantError(f"{path.name}: cannot read the outline ({exc})") from None
    specs = parse_outline(text)
    if not specs:
        raise AssistantError(f"{path.name}: the outline has no headings")
    return Template(base.type, base.title, specs)
