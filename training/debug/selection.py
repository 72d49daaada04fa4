"""Choose the classifier's settings by leave-source-out cross-validation, never by a holdout.

Each candidate regularisation ``C`` is scored with whole templates and whole ecosystems held
out (the splits that track the score on real logs); the one with the best mean macro-F1 wins.
The untouched real-log set plays no part here: it is only reported, once, afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from training.debug.evaluation import cross_validate_documents
from training.debug.fit import SEED, CorpusRecord, featurize

CANDIDATE_C: Final = (0.1, 0.25, 0.5, 1.0, 2.0)
SELECTION_SPLITS: Final = ("template", "ecosystem")


@dataclass(frozen=True)
class CandidateScore:
    svm_c: float
    macro_f1: dict[str, float]

    @property
    def mean(self) -> float:
        return sum(self.macro_f1.values()) / len(self.macro_f1)


def score_candidates(
    records: Sequence[CorpusRecord], folds: int = 5, candidates: Sequence[float] = CANDIDATE_C
) -> list[CandidateScore]:
    """Leave-source-out macro-F1 of every candidate, best first."""
    documents = [featurize(record.log) for record in records]
    scores = [
        CandidateScore(
            svm_c,
            {
                split: cross_validate_documents(records, documents, folds, SEED, split, svm_c).macro_f1
                for split in SELECTION_SPLITS
            },
        )
        for svm_c in candidates
    ]
    return sorted(scores, key=lambda candidate: -candidate.mean)
