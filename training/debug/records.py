"""The labelled examples the classifier trains on: the generated corpus and real CI log excerpts.

``data/corpus.jsonl`` is generated from the templates (``corpus/build.py``). ``data/real_train.jsonl``
holds excerpts of real CI runs, each with where it was copied from: ``{label, log, source, ci,
ecosystem, origin, note}``. ``origin`` is ``issue`` (pasted into a public GitHub issue or pull
request; ``source`` is its URL) or ``dataset:<owner/name>`` (cut from a public dataset of CI
logs; ``source`` is the file and line range). None of them is in the untouched evaluation set
(``tests/data/debug/real_logs_untouched.jsonl``): a newly collected excerpt goes to one or the
other by a hash of its source (``split_of``), decided when it is collected, before any scoring.

As training records, real excerpts have provenance ``real`` and template ``real:<repository>``,
so the leave-template-out cross-validation holds out every excerpt of a repository together.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from conveyor.debug.schemas import LABELS

DATA_DIR: Final = Path(__file__).resolve().parent / "data"
CORPUS_PATH: Final = DATA_DIR / "corpus.jsonl"
REAL_TRAIN_PATH: Final = DATA_DIR / "real_train.jsonl"
# Real whole-log windows of two public datasets: scored as a second held-out shape, never trained on.
EXTERNAL_DEV_PATH: Final = DATA_DIR / "external_dev.jsonl"
REAL_PROVENANCE: Final = "real"
# A collected excerpt whose source hashes to one of these first hex digits is kept for evaluation.
UNTOUCHED_DIGITS: Final = "01234"
_REPOSITORY = re.compile(r"^https://github\.com/(?P<repo>[^/]+/[^/#?]+)")


@dataclass(frozen=True)
class CorpusRecord:
    label: str
    log: str
    ecosystem: str
    ci: str
    provenance: str
    template: str


def load_corpus(path: Path = CORPUS_PATH) -> list[CorpusRecord]:
    """Read the generated JSON Lines corpus; unknown labels are an error."""
    return [
        CorpusRecord(**{key: str(raw.get(key, "")) for key in CorpusRecord.__annotations__})
        for raw in _read_labelled(path)
    ]


def load_real(path: Path = REAL_TRAIN_PATH) -> list[CorpusRecord]:
    """The real training excerpts as records (unknown labels are an error)."""
    return [
        CorpusRecord(
            label=raw["label"],
            log=raw["log"],
            ecosystem=raw["ecosystem"],
            ci=raw["ci"],
            provenance=REAL_PROVENANCE,
            template=f"real:{repository_of(raw['source'])}",
        )
        for raw in _read_labelled(path)
    ]


def load_training_records(
    corpus: Path = CORPUS_PATH, real: Path | None = REAL_TRAIN_PATH
) -> list[CorpusRecord]:
    """The generated corpus followed by the real excerpts (``real=None``: the corpus alone)."""
    return load_corpus(corpus) + (load_real(real) if real is not None and real.is_file() else [])


def training_sha256(corpus: Path = CORPUS_PATH, real: Path | None = REAL_TRAIN_PATH) -> str:
    """One digest of everything the model was trained on."""
    digest = hashlib.sha256(corpus.read_bytes())
    if real is not None and real.is_file():
        digest.update(real.read_bytes())
    return digest.hexdigest()


def split_of(source: str) -> str:
    """``untouched`` or ``train`` for a newly collected excerpt (about 5 in 16 are untouched)."""
    return (
        "untouched"
        if hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()[0] in UNTOUCHED_DIGITS
        else "train"
    )


def repository_of(source: str) -> str:
    """``owner/name`` of a GitHub URL (lower-cased), else the source itself."""
    found = _REPOSITORY.match(source)
    return found.group("repo").lower() if found else source


def _read_labelled(path: Path) -> list[dict[str, str]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        raw = json.loads(line)
        if raw["label"] not in LABELS:
            raise ValueError(f"{path}:{number}: unknown label {raw['label']!r}")
        rows.append(raw)
    return rows
