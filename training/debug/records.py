"""The labelled examples the classifier trains on: the generated corpus and real CI log excerpts.

``data/corpus.jsonl`` is generated from the templates (``corpus/build.py``). ``data/real_train.jsonl``
holds excerpts of real CI runs, each with where it was copied from: ``{label, log, source, ci,
ecosystem, origin, note}``. ``origin`` is ``issue`` (pasted into a public GitHub issue or pull
request; ``source`` is its URL), ``page`` (a public web page elsewhere, such as a Stack Overflow
question or a CI vendor's forum; ``source`` is its https URL) or ``dataset:<owner/name>`` (cut
from a public dataset of CI logs; ``source`` is the file and line range). None of them is in the
untouched evaluation set (``tests/data/debug/real_logs_untouched.jsonl``). Up to batch 4 an
excerpt went to one or the other by a hash of its URL (``split_of_url_legacy``); from batch 5 on,
by its repository (``split_of``): to the side where the repository already has excerpts, else by
a hash of the repository, so that no new excerpt puts a repository on both sides. Either way the
side is decided when the excerpt is taken in, before any scoring.

As training records, real excerpts have provenance ``real`` and template ``real:<repository>``,
so the leave-template-out cross-validation holds out every excerpt of a repository together.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
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
TRAIN: Final = "train"
UNTOUCHED: Final = "untouched"
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
        for raw in read_labelled(path)
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
        for raw in read_labelled(path)
    ]


def load_real_batches(path: Path = REAL_TRAIN_PATH) -> list[int | None]:
    """The collection batch of each real training excerpt, in ``load_real``'s order.

    ``None`` for the excerpts taken in before batch 5 (they carry no ``batch`` field).
    """
    return [None if raw.get("batch") is None else int(raw["batch"]) for raw in read_labelled(path)]


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


def split_of_url_legacy(source: str) -> str:
    """The side batches 1-4 were split to by a hash of the URL (kept to check those records)."""
    return _hashed_side(source)


def split_of(source: str, sides: Mapping[str, set[str]]) -> str:
    """``untouched`` or ``train`` for a newly taken in excerpt, by its repository.

    ``sides`` maps a repository to the sides it already has records on: a repository on one side
    stays there, one on both (split by URL before batch 5) goes to training, a new one goes where
    the hash of its name falls (about 5 in 16 untouched).
    """
    repository = repository_of(source)
    known = sides.get(repository, set())
    if len(known) == 1:
        return next(iter(known))
    return TRAIN if known else _hashed_side(repository)


def sides_of_repositories(
    train_sources: Iterable[str], untouched_sources: Iterable[str]
) -> dict[str, set[str]]:
    """For ``split_of``: the sides each repository has records on."""
    sides: dict[str, set[str]] = {}
    for side, sources in ((TRAIN, train_sources), (UNTOUCHED, untouched_sources)):
        for source in sources:
            sides.setdefault(repository_of(source), set()).add(side)
    return sides


def _hashed_side(key: str) -> str:
    digit = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[0]
    return UNTOUCHED if digit in UNTOUCHED_DIGITS else TRAIN


def repository_of(source: str) -> str:
    """``owner/name`` of a GitHub URL (lower-cased), else the source itself (a web page is its own)."""
    found = _REPOSITORY.match(source)
    return found.group("repo").lower() if found else source


def read_labelled(path: Path) -> list[dict[str, str]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        raw = json.loads(line)
        if raw["label"] not in LABELS:
            raise ValueError(f"{path}:{number}: unknown label {raw['label']!r}")
        rows.append(raw)
    return rows
