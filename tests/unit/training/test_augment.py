from __future__ import annotations

import random

from training.debug.corpus.augment import CASCADES, DISTRACTORS, vary


def test_augmentation_is_seeded_and_keeps_the_root_cause() -> None:
    body = [f"line {i}" for i in range(4)] + ["error: the root cause"]
    first = [vary(random.Random(seed), body) for seed in range(40)]
    assert first == [vary(random.Random(seed), body) for seed in range(40)]
    assert all("error: the root cause" in variant for variant in first)
    assert any(line in DISTRACTORS for variant in first for line in variant)
    cascade_prefixes = tuple(template.split("{")[0] for template in CASCADES)
    assert any(variant[-1].startswith(cascade_prefixes) for variant in first if variant != body)
