"""Named errors that say what to do; the CLI turns each into one red line and exit status 2."""

from __future__ import annotations

from pathlib import Path


class AssistantError(Exception):
    """Base class: the message is meant for the user as it is; `code` is stable for programs (the UI's
    Chinese messages are looked up by it, never by the English text)."""

    code = "error"


class UnsupportedFile(AssistantError):
    """A file that cannot be ingested; carries the file, the reason and the reason's code."""

    code = "unsupported_file"

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        self.code = reason_code(reason)
        super().__init__(f"{self.path.name}: {reason}")


class IndexMissing(AssistantError):
    """No index (or an empty one) in the data dir."""

    code = "index_missing"

    def __init__(self, data_dir: Path | str):
        self.data_dir = Path(data_dir)
        super().__init__(f"no index in {self.data_dir}; run: policy-assistant ingest --data-dir {self.data_dir}")


class ModelMismatch(AssistantError):
    """The index was built with another embedding model than the one configured."""

    code = "model_mismatch"

    def __init__(self, stored: str, configured: str):
        super().__init__(
            f"the index was built with embedding '{stored}' but '{configured}' is configured; "
            "re-ingest with: policy-assistant ingest --rebuild"
        )


class IngestLocked(AssistantError):
    """Another process holds the ingest lock."""

    code = "ingest_locked"

    def __init__(self, pid: int | None):
        self.pid = pid
        super().__init__(f"another ingest is running (pid {pid if pid is not None else '?'})")


class EvalFileError(AssistantError):
    """A malformed eval file: names the line and the reason."""

    code = "eval_file"


# Why a file was rejected, as a code: ingest reports a reason string (IngestSummary.rejected), and this one
# table turns its leading words into the code the UI and other programs key on.
REASON_CODES = (
    ("unknown encoding", "unknown_encoding"),
    ("binary content", "binary_content"),
    ("empty file", "empty_file"),
    ("file too large", "file_too_large"),
    ("unsupported file type", "unsupported_type"),
    ("no text layer", "no_text_layer"),
    ("no text left after cleaning", "no_text_after_cleaning"),
    ("text contains replacement characters", "replacement_characters"),
    ("unreadable DOCX", "unreadable_docx"),
    ("unreadable PDF", "unreadable_pdf"),
    ("cannot read", "cannot_read"),
    ("not a regular file", "not_a_regular_file"),
    ("not in the index", "not_in_index"),
)


def reason_code(reason: str) -> str:
    """The code of an ingest rejection reason ('unsupported_file' for one this table does not know)."""
    return next((code for prefix, code in REASON_CODES if reason.startswith(prefix)), "unsupported_file")


class InvalidInput(AssistantError):
    """A question or history the assistant refuses before any work: `code` names the rule for programs
    ('empty_question', 'question_too_long', 'no_words', 'history_malformed', 'history_too_long')."""

    code = "invalid_input"

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


class EmbeddingServerError(AssistantError):
    """The embedding server (POLICY_ASSISTANT_EMBEDDING_URL) cannot be reached or answered with an error."""

    code = "embedding_server"

    def __init__(self, url: str, reason: str):
        self.url = url
        super().__init__(f"embedding server {url} unreachable or failing ({reason}); is it running?")
