"""Take in newly collected real excerpts: check them, then append each to training or the untouched set.

Collectors write JSON Lines records ``{label, log, source, ci, ecosystem, origin, note}`` (the
format of ``data/real_train.jsonl``). A record is refused when a field is missing or empty, the
label or origin is unknown, the source is not a GitHub URL (for a web ``page``: not an https URL
off GitHub), the source is already in any set (or twice in the batch), or its excerpt repeats one
already in any set, the generated corpus included (equal after collapsing whitespace, or one
containing the other). Every accepted record goes to the side of its repository
(``records.split_of``: where the repository already has records, else by a hash of the
repository), whatever file it came in: the split is decided by the source alone, never by looking
at the excerpt. Accepted records carry ``batch``; untouched ones join
``tests/data/debug/real_logs_untouched.jsonl``; nothing here prints them.

    python -m training.debug.intake --batch 5 collected/a.jsonl collected/b.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from conveyor.debug.schemas import LABELS
from training.debug.records import (
    CORPUS_PATH,
    EXTERNAL_DEV_PATH,
    REAL_TRAIN_PATH,
    UNTOUCHED,
    repository_of,
    sides_of_repositories,
    split_of,
)

HOLDOUT_DIR: Final = Path(__file__).resolve().parents[2] / "tests" / "data" / "debug"
UNTOUCHED_PATH: Final = HOLDOUT_DIR / "real_logs_untouched.jsonl"
KNOWN_PATHS: Final = (
    CORPUS_PATH,
    REAL_TRAIN_PATH,
    EXTERNAL_DEV_PATH,
    UNTOUCHED_PATH,
    HOLDOUT_DIR / "real_logs.jsonl",
    HOLDOUT_DIR / "handwritten.jsonl",
)
FIELDS: Final = ("label", "log", "source", "ci", "ecosystem", "origin", "note")
GITHUB: Final = "https://github.com/"
PAGE_ORIGIN: Final = "page"
UNTOUCHED_FIELDS: Final = ("label", "source", "log", "ecosystem", "ci", "note")
# Shorter excerpts (one common message) may legitimately recur inside another set's longer excerpt.
MIN_CONTAINED_CHARS: Final = 80
_SPACE = re.compile(r"\s+")


@dataclass
class Intake:
    """What a batch of collected records became."""

    train: list[dict[str, str]] = field(default_factory=list)
    untouched: list[dict[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)


def check(
    collected: Iterable[dict[str, Any]], known: Sequence[dict[str, Any]], sides: dict[str, set[str]]
) -> Intake:
    """Split ``collected`` into train / untouched records and refusals, against the ``known`` sets.

    ``sides`` (``records.sides_of_repositories``) says where each repository's records are; it
    grows with every accepted record, so a repository's new records all land on one side.
    """
    sources = {str(row.get("source", "")) for row in known}
    texts = [_collapse(str(row["log"])) for row in known]
    joined = "\n".join(texts)
    long_texts = [text for text in texts if len(text) >= MIN_CONTAINED_CHARS]
    intake = Intake()
    for raw in collected:
        reason = _problem(raw, sources, texts, joined, long_texts)
        source = str(raw.get("source", ""))
        if reason:
            intake.refused.append((source, reason))
            continue
        record = {key: str(raw[key]) for key in FIELDS}
        sources.add(source)
        text = _collapse(record["log"])
        texts.append(text)
        joined += "\n" + text
        if len(text) >= MIN_CONTAINED_CHARS:
            long_texts.append(text)
        side = split_of(source, sides)
        sides.setdefault(repository_of(source), set()).add(side)
        (intake.untouched if side == UNTOUCHED else intake.train).append(record)
    return intake


def _problem(
    raw: dict[str, Any], sources: set[str], texts: list[str], joined: str, long_texts: list[str]
) -> str | None:
    missing = [key for key in FIELDS if key != "note" and not str(raw.get(key, "")).strip()]
    if missing or "note" not in raw:
        return f"missing {', '.join(missing) or 'note'}"
    if raw["label"] not in LABELS:
        return f"unknown label {raw['label']!r}"
    if not (raw["origin"] in ("issue", PAGE_ORIGIN) or raw["origin"].startswith("dataset:")):
        return f"unknown origin {raw['origin']!r}"
    if raw["origin"] == PAGE_ORIGIN:
        if not raw["source"].startswith("https://") or raw["source"].startswith(GITHUB):
            return "a page's source is not an https URL off GitHub"
    elif not raw["source"].startswith(GITHUB):
        return "source is not a GitHub URL"
    if raw["source"] in sources:
        return "source already in a set"
    text = _collapse(raw["log"])
    if text in texts or (len(text) >= MIN_CONTAINED_CHARS and text in joined):
        return "excerpt already in a set"
    if any(other in text for other in long_texts):
        return "excerpt contains one already in a set"
    return None


def _collapse(log: str) -> str:
    return _SPACE.sub(" ", log).strip()


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def append(intake: Intake, batch: int, train_path: Path, untouched_path: Path) -> None:
    """Append accepted records tagged with ``batch`` (untouched ones without their origin)."""
    _append_rows(train_path, [record | {"batch": batch} for record in intake.train])
    _append_rows(
        untouched_path,
        [{key: record[key] for key in UNTOUCHED_FIELDS} | {"batch": batch} for record in intake.untouched],
    )


def _append_rows(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    existing = path.read_text(encoding="utf-8")
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_text(existing + ("" if existing.endswith("\n") or not existing else "\n") + lines, "utf-8")


def summary(intake: Intake) -> str:
    """Counts only: the untouched excerpts are not shown."""
    lines = [
        f"train +{len(intake.train)}: {dict(sorted(Counter(r['label'] for r in intake.train).items()))}",
        f"untouched +{len(intake.untouched)}: "
        f"{dict(sorted(Counter(r['label'] for r in intake.untouched).items()))}",
        f"refused {len(intake.refused)}",
    ]
    lines += [f"  {source}: {reason}" for source, reason in intake.refused]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--batch", type=int, required=True, help="untouched batch number to tag")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    known = [row for path in KNOWN_PATHS for row in read_rows(path)]
    sides = sides_of_repositories(
        (row["source"] for row in read_rows(REAL_TRAIN_PATH)),
        (row["source"] for row in read_rows(UNTOUCHED_PATH)),
    )
    intake = check((row for path in args.files for row in read_rows(path)), known, sides)
    if not args.dry_run:
        append(intake, args.batch, REAL_TRAIN_PATH, UNTOUCHED_PATH)
    print(summary(intake))


if __name__ == "__main__":
    main()
