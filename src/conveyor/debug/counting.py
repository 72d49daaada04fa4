"""Term counts of one document for a fitted vectorizer: its analyzer's counts, computed faster.

``term_counter(vectorizer)`` returns a function from a document to ``{vocabulary index:
count}``, equal to counting ``vectorizer.build_analyzer()(document)``'s terms that are in the
vocabulary (tests check it on real logs). It reuses sklearn's own decoder, preprocessor,
tokenizer and n-gram code and only changes how the terms are counted:

* character n-grams inside word boundaries (``char_wb``): sklearn builds every n-gram of every
  word in Python; here each word's vocabulary indices come from sklearn's own ``_char_wb_ngrams``
  of that word alone (the same n-grams: the analyzer pads and slices words one by one) and are
  kept in a bounded cache, as CI logs repeat their words within and across logs;
* word n-grams: built with ``zip`` / ``str.join`` in C and counted with ``Counter``.

Other analyzer settings fall back to sklearn's analyzer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache, partial
from itertools import chain
from operator import is_not
from typing import Final

from sklearn.feature_extraction.text import TfidfVectorizer

TermCounter = Callable[[str], dict[int, int]]
_is_index: Final = partial(is_not, None)

# Distinct words whose character n-gram indices are kept, per vectorizer (~ a few MB at most).
WORD_CACHE_SIZE: Final = 20_000
# Vectorizers whose counters are kept: the shipped model has five; a retrained one five more.
COUNTER_CACHE_SIZE: Final = 16


@lru_cache(maxsize=COUNTER_CACHE_SIZE)
def term_counter(vectorizer: TfidfVectorizer) -> TermCounter:
    """A function counting a document's vocabulary terms the way ``vectorizer`` does."""
    if vectorizer.input != "content" or vectorizer.stop_words is not None or callable(vectorizer.analyzer):
        return _generic_counter(vectorizer)
    if vectorizer.analyzer == "char_wb":
        return _char_wb_counter(vectorizer)
    if vectorizer.analyzer == "word":
        return _word_counter(vectorizer)
    return _generic_counter(vectorizer)


def count_terms(vocabulary: dict[str, int], terms: Iterable[str]) -> dict[int, int]:
    """How often each term of ``vocabulary`` occurs among ``terms``, by vocabulary index."""
    counts: dict[int | None, int] = Counter(map(vocabulary.get, terms))
    counts.pop(None, None)
    return counts  # type: ignore[return-value]  # None was the only key that is not an int


def _generic_counter(vectorizer: TfidfVectorizer) -> TermCounter:
    analyze = vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    return lambda document: count_terms(vocabulary, analyze(document))


def _char_wb_counter(vectorizer: TfidfVectorizer) -> TermCounter:
    decode, preprocess = vectorizer.decode, vectorizer.build_preprocessor()
    whitespace, ngrams = vectorizer._white_spaces, vectorizer._char_wb_ngrams
    vocabulary = vectorizer.vocabulary_

    @lru_cache(maxsize=WORD_CACHE_SIZE)
    def word_indices(word: str) -> tuple[int, ...]:
        return tuple(filter(_is_index, map(vocabulary.get, ngrams(word))))

    def count(document: str) -> dict[int, int]:
        words = whitespace.sub(" ", preprocess(decode(document))).split()
        return Counter(chain.from_iterable(map(word_indices, words)))

    return count


def _word_counter(vectorizer: TfidfVectorizer) -> TermCounter:
    decode, preprocess = vectorizer.decode, vectorizer.build_preprocessor()
    tokenize, (min_n, max_n) = vectorizer.build_tokenizer(), vectorizer.ngram_range
    vocabulary = vectorizer.vocabulary_

    def count(document: str) -> dict[int, int]:
        tokens = tokenize(preprocess(decode(document)))
        terms = chain.from_iterable(_ngrams(tokens, n) for n in range(min_n, max_n + 1))
        return count_terms(vocabulary, terms)

    return count


def _ngrams(tokens: list[str], n: int) -> Iterator[str]:
    """The word n-grams of ``tokens``, as sklearn's ``_word_ngrams`` joins them."""
    return map(" ".join, zip(*(tokens[start:] for start in range(n)), strict=False))
