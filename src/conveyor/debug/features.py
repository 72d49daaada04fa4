"""Turn a normalized log and its detected errors into the model's input document.

The document's first line holds detection structure as tokens (``kind_import_error
tool_pip``) and the cause cues found around the errors (``cue_network``, see ``cues``);
the rest is the error messages, their excerpts and the log's tail.
The model vectorizes the parts separately: ``structure_part``, ``text_part`` (word n-grams),
``error_part`` (character n-grams of the error lines, robust to unseen tool names) and
``salient_part`` (word and character n-grams of the lines that say something went wrong and of
the last lines, whether detection found them or not: a second view for logs whose tool no rule
knows).

The model's vectorizers each call their part on the same document one after the other, so
``text_part`` (lower-casing the whole text) and ``salient_part`` keep their last result: each is
computed once per document, not once per vectorizer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from conveyor.debug.cues import cue_tokens, edge_tokens
from conveyor.debug.schemas import DetectedError

TAIL_LINES: Final = 60
CUE_FALLBACK_LINES: Final = 30
ERROR_PART_LINES: Final = 12
ERROR_PART_CHARS: Final = 2000
MAX_DOCUMENT_CHARS: Final = 12_000
MAX_STRUCTURE_ERRORS: Final = 12
WORD_TOKEN_PATTERN: Final = r"(?u)\b[a-z_][a-z0-9_]+\b|\b\d{3}\b"
SALIENT_TAIL_LINES: Final = 6
MAX_SALIENT_LINES: Final = 40
MAX_SALIENT_CHARS: Final = 1500
# Words that mark a line as reporting a failure, in most tools' wording (matched lower-cased).
_SALIENT_MARKERS = re.compile(
    r"error|fatal|fail|exception|cannot|can't|unable|not found|denied|refused|killed|timed? ?out"
    r"|abort|panic|traceback|missing|invalid|no such|exit(?:ed)? (?:code|status|with)"
    r"|not (?:installed|recognized)"
)

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def build_document(text: str, errors: list[DetectedError]) -> str:
    """Combine detection structure and log text into one string for the model."""
    messages = "\n".join(error.message for error in errors)
    excerpts = "\n".join(error.excerpt for error in errors[:MAX_STRUCTURE_ERRORS])
    lines = text.rstrip("\n").split("\n")
    tail = "\n".join(lines[-TAIL_LINES:])
    cue_source = f"{messages}\n{excerpts}" if errors else "\n".join(lines[-CUE_FALLBACK_LINES:])
    tokens = (_structure_tokens(errors) or ["kind_none"]) + cue_tokens(cue_source) + edge_tokens(tail)
    structure = " ".join(tokens)
    body = f"{messages}\n{excerpts}\n{tail}"[:MAX_DOCUMENT_CHARS]
    return f"{structure}\n{body}"


def structure_part(document: str) -> str:
    """The detection tokens line of a document."""
    return document.split("\n", 1)[0]


def error_part(document: str) -> str:
    """The first lines of the text part: the detected error messages (for character n-grams)."""
    return "\n".join(text_part(document).split("\n", ERROR_PART_LINES)[:ERROR_PART_LINES])[:ERROR_PART_CHARS]


@lru_cache(maxsize=1)
def salient_part(document: str) -> str:
    """The distinct lines of the text part that report a failure, then its last lines."""
    lines = [line.strip() for line in text_part(document).split("\n")]
    marked = [line for line in dict.fromkeys(lines) if line and _SALIENT_MARKERS.search(line)]
    last = [line for line in lines if line][-SALIENT_TAIL_LINES:]
    return "\n".join(marked[:MAX_SALIENT_LINES] + last)[:MAX_SALIENT_CHARS]


@lru_cache(maxsize=1)
def text_part(document: str) -> str:
    """The lower-cased text part of a document."""
    parts = document.split("\n", 1)
    return parts[1].lower() if len(parts) > 1 else ""


def _structure_tokens(errors: list[DetectedError]) -> list[str]:
    tokens: list[str] = []
    for error in errors[:MAX_STRUCTURE_ERRORS]:
        tokens.append(f"kind_{error.kind}")
        if error.tool:
            tokens.append(f"tool_{_slug(error.tool)}")
            tokens.append(f"pair_{error.kind}_{_slug(error.tool)}")
        if error.exit_code is not None:
            tokens.append(f"exit_{error.exit_code}")
    return tokens


def _slug(value: str) -> str:
    return _NON_SLUG.sub("_", value.lower()).strip("_")
