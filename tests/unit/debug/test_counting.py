from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from conveyor.debug.classify import classify_log
from conveyor.debug.counting import term_counter
from conveyor.debug.detect import detect_in_text
from conveyor.debug.features import build_document
from conveyor.debug.model import load_model
from conveyor.debug.normalize import prepare_log

TEXTS = [
    "ModuleNotFoundError: No module named 'requests'\n  File \"app/main.py\", line 3",
    "error[E0308]: mismatched types  -->  src/main.rs:3:5\n\tx  y\u00a0z\x1c end",
    "npm ERR! code ENOSPC npm ERR! nospc ENOSPC: no space left on device",
    "",
    "a",
]


def _reference(vectorizer: TfidfVectorizer, document: str) -> dict[int, int]:
    vocabulary = vectorizer.vocabulary_
    terms = Counter(vectorizer.build_analyzer()(document))
    return {vocabulary[term]: count for term, count in terms.items() if term in vocabulary}


@pytest.mark.parametrize(
    "settings",
    [
        {"analyzer": "char_wb", "ngram_range": (3, 5)},
        {"analyzer": "char_wb", "ngram_range": (1, 2)},
        {"analyzer": "word", "ngram_range": (1, 3)},
        {"analyzer": "word", "ngram_range": (2, 3), "token_pattern": r"\S+"},
        {"analyzer": "char", "ngram_range": (2, 4)},
        {"analyzer": "word", "stop_words": ["no"]},
    ],
)
def test_counts_equal_the_analyzer_counts(settings: dict[str, Any]) -> None:
    vectorizer = TfidfVectorizer(**settings).fit(TEXTS)
    count = term_counter(vectorizer)
    for text in [*TEXTS, "mismatched types: no module named x", "ERR! ERR! ERR!"]:
        assert count(text) == _reference(vectorizer, text)


def test_the_shipped_model_counts_real_logs_as_its_analyzers(
    real_logs: list[dict[str, Any]], handwritten_logs: list[dict[str, Any]]
) -> None:
    vectorizers = [step for _, step in load_model().pipeline.named_steps["features"].transformer_list]
    assert {vectorizer.analyzer for vectorizer in vectorizers} == {"word", "char_wb"}
    for row in real_logs + handwritten_logs:
        text = prepare_log(row["log"])
        document = build_document(text, detect_in_text(text))
        for vectorizer in vectorizers:
            assert term_counter(vectorizer)(document) == _reference(vectorizer, document)


def test_a_log_classified_twice_gets_the_same_answer(real_logs: list[dict[str, Any]]) -> None:
    # The second time, the word caches of the character views are warm.
    for row in real_logs[:20]:
        assert classify_log(row["log"]) == classify_log(row["log"])
