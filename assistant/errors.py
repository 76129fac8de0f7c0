"""Named errors that say what to do; the CLI turns each into one red line and exit status 2."""

from __future__ import annotations

from pathlib import Path


class AssistantError(Exception):
    """Base class: the message is meant for the user as it is."""


class UnsupportedFile(AssistantError):
    """A file that cannot be ingested; carries the file and the reason."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class IndexMissing(AssistantError):
    """No index (or an empty one) in the data dir."""

    def __init__(self, data_dir: Path | str):
        self.data_dir = Path(data_dir)
        super().__init__(f"no index in {self.data_dir}; run: policy-assistant ingest --data-dir {self.data_dir}")


class ModelMismatch(AssistantError):
    """The index was built with another embedding model than the one configured."""

    def __init__(self, stored: str, configured: str):
        super().__init__(
            f"the index was built with embedding '{stored}' but '{configured}' is configured; "
            "re-ingest with: policy-assistant ingest --rebuild"
        )


class IngestLocked(AssistantError):
    """Another process holds the ingest lock."""

    def __init__(self, pid: int | None):
        self.pid = pid
        super().__init__(f"another ingest is running (pid {pid if pid is not None else '?'})")


class EvalFileError(AssistantError):
    """A malformed eval file: names the line and the reason."""


class InvalidInput(AssistantError):
    """A question or history the assistant refuses before any work: `code` names the rule for programs
    ('empty_question', 'question_too_long', 'no_words', 'history_malformed', 'history_too_long')."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


class EmbeddingServerError(AssistantError):
    """The embedding server (POLICY_ASSISTANT_EMBEDDING_URL) cannot be reached or answered with an error."""

    def __init__(self, url: str, reason: str):
        self.url = url
        super().__init__(f"embedding server {url} unreachable or failing ({reason}); is it running?")
