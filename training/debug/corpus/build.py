"""Build ``data/corpus.jsonl`` from the templates, deterministically (fixed seed).

Usage: ``python -m training.debug.corpus.build [--per-label N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from training.debug.corpus.augment import vary
from training.debug.corpus.fake import context
from training.debug.corpus.noise import CI_SYSTEMS, frame
from training.debug.corpus.template import Template
from training.debug.corpus.templates import load_templates

SEED: Final = 20240501
PER_LABEL: Final = 200
CORPUS_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "corpus.jsonl"
PASTED_EXCERPT_RATE: Final = 0.2


def generate(seed: int = SEED, per_label: int = PER_LABEL) -> Iterator[dict[str, str]]:
    """Yield corpus records: label, log, ecosystem, ci, provenance, template."""
    rng = random.Random(seed)  # noqa: S311 - reproducible corpus, not security
    for group, templates in load_templates().items():
        for index in range(per_label):
            position = index % len(templates)
            yield _render(rng, templates[position], f"{group}[{position}]")


def _render(rng: random.Random, template: Template, template_id: str) -> dict[str, str]:
    fields = context(rng)
    command = template.command.format_map(fields)
    body = template.text.format_map(fields).split("\n")
    if len(body) > 4 and rng.random() < 0.3:
        body = body[rng.randint(1, 2) :]
    body = vary(rng, body)
    ci = template.ci or _pick_ci(rng)
    log = frame(rng, ci, template.ecosystem, command, body, template.exit_code, template.footer)
    return {
        "label": template.label,
        "log": log,
        "ecosystem": template.ecosystem,
        "ci": ci,
        "provenance": "generated: hand-written template filled with random names",
        "template": template_id,
    }


def _pick_ci(rng: random.Random) -> str:
    if rng.random() < PASTED_EXCERPT_RATE:
        return "local"
    return rng.choice(CI_SYSTEMS[:-1])


def write_corpus(path: Path = CORPUS_PATH, seed: int = SEED, per_label: int = PER_LABEL) -> int:
    """Write the corpus as JSON Lines and return the number of records."""
    records = list(generate(seed, per_label))
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-label", type=int, default=PER_LABEL)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    print(f"wrote {write_corpus(per_label=args.per_label, seed=args.seed)} records to {CORPUS_PATH}")


if __name__ == "__main__":
    main()
