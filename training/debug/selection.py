"""Choose the classifier's settings by leave-source-out cross-validation, never by a holdout.

Each candidate (the SVM's ``C`` and the weight of a real excerpt against a generated one) is
scored with the real excerpts held out a repository at a time (the generated corpus always
training; only when there are real excerpts), whole templates (a real excerpt's template is its
repository) and whole ecosystems held out, on the real excerpts alone when there are any (they
are what the model meets in use), else on everything; the best mean macro-F1 wins. The
untouched real-log set plays no part here: it is only reported, once, afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from typing import Final

from training.debug.evaluation import REPOSITORY, SplitEvaluation, cross_validate_split
from training.debug.fit import SEED, CorpusRecord, featurize
from training.debug.records import REAL_PROVENANCE

CANDIDATE_C: Final = (0.1, 0.2, 0.5, 1.0)
CANDIDATE_REAL_WEIGHTS: Final = (1.0, 2.0, 4.0, 8.0)
SELECTION_SPLITS: Final = (REPOSITORY, "template", "ecosystem")


@dataclass(frozen=True)
class CandidateScore:
    svm_c: float
    real_weight: float
    macro_f1: dict[str, float]

    @property
    def mean(self) -> float:
        return sum(self.macro_f1.values()) / len(self.macro_f1)


def score_candidates(
    records: Sequence[CorpusRecord],
    folds: int = 5,
    candidates: Sequence[float] = CANDIDATE_C,
    real_weights: Sequence[float] = CANDIDATE_REAL_WEIGHTS,
) -> list[CandidateScore]:
    """Leave-source-out macro-F1 of every candidate, best first."""
    documents = [featurize(record.log) for record in records]
    has_real = any(record.provenance == REAL_PROVENANCE for record in records)
    splits = [split for split in SELECTION_SPLITS if split != REPOSITORY or has_real]
    scores = [
        CandidateScore(
            svm_c,
            real_weight,
            {
                split: _selection_score(
                    cross_validate_split(records, documents, folds, SEED, split, svm_c, real_weight)
                )
                for split in splits
            },
        )
        for svm_c, real_weight in product(candidates, real_weights)
    ]
    return sorted(scores, key=lambda candidate: -candidate.mean)


def _selection_score(split: SplitEvaluation) -> float:
    return (split.real or split.overall).macro_f1
