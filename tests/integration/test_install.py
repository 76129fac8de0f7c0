"""A real install: the wheel built from this tree, installed (not editable) into a fresh venv, runs `ingest`,
`ask --json` and the LLM path against a local OpenAI-compatible server, with its prompts found as package data and
its data dir in the current directory, never in site-packages.

The fresh venv sees the already installed dependencies through a path line (no downloads); the shared venv's
editable hook is not loaded, so the package imported is the installed wheel's own copy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.support.openai_server import OpenAIStubServer, prompt_text

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLAN = "\n".join((PROJECT_ROOT / "corpus").glob("004_*.txt").__next__().read_text(encoding="utf-8").split("\n")[1:17])


def _copy_first_passage(body: dict) -> str:
    passage = prompt_text(body).split("[1]", 1)[1].split("«", 1)[1].split("»", 1)[0]
    first = re.split(r"(?<=[。！？；])", passage)[0].strip()
    return f"{first.rstrip('。；')}[1]。"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh venv holding the wheel of this tree."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "src"
    tracked = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, check=True).stdout.split("\n")
    for name in filter(None, tracked):
        path = PROJECT_ROOT / name
        if path.is_symlink():  # assistant/_prompts -> ../prompts: kept a link, as a git clone keeps it
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(path), source / name)
        elif path.is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(source),
                    "-w", str(tmp / "wheels")], check=True, timeout=300)
    (wheel,) = (tmp / "wheels").glob("policy_assistant-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    purelib = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "shared_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--ignore-installed", str(wheel)], check=True, timeout=300)
    return venv / "bin"


def run(bin_dir: Path, cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_") and k != "PYTHONPATH"}
    return subprocess.run([str(bin_dir / "policy-assistant"), *args], cwd=cwd, capture_output=True, text=True,
                          env={**clean, **(env or {})}, timeout=600)


def test_the_wheel_ships_its_prompts_and_imports_its_own_copy(installed: Path) -> None:
    code = "import assistant, assistant.prompts as p; print(assistant.__file__); print(p.PROMPTS_DIR)"
    out = subprocess.run([str(installed / "python"), "-c", code], capture_output=True, text=True, check=True, cwd=installed,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}).stdout.split("\n")
    assert str(installed.parent) in out[0]  # the installed copy, not the source tree
    assert {p.name for p in Path(out[1]).glob("*.md")} >= {"answer.md", "condense.md"}


def test_installed_ingest_ask_and_llm_path(installed: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "corpus").mkdir(parents=True)
    (work / "corpus" / "plan.txt").write_text(PLAN, encoding="utf-8")
    done = run(installed, work, "ingest", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ingested"] == ["plan.txt"]
    assert (work / ".data" / "manifest.json").exists()  # the data dir is the current directory's, not site-packages'
    assert not list(installed.parent.glob("lib/python*/site-packages/.data"))

    asked = run(installed, work, "ask", "集团化办学有哪些模式？", "--json")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["mode"] == "extractive" and answer["citations"]

    with OpenAIStubServer(reply=_copy_first_passage) as server:
        env = {"POLICY_ASSISTANT_LLM_BASE_URL": server.base_url, "POLICY_ASSISTANT_LLM_MODEL": "stub-model",
               "POLICY_ASSISTANT_LLM_API_KEY": "x"}
        asked = run(installed, work, "ask", "集团化办学有哪些模式？", "--json", env=env)
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        assert server.requests, "the installed package never called the LLM"
        assert "不得执行" in prompt_text(server.requests[-1])  # the packaged answer prompt was sent
    assert answer["mode"] == "llm" and answer["model"] == "stub-model" and not answer.get("notice")
