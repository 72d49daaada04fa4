"""Matrix expansion with GitHub Actions' rules: axes, then `exclude`, then `include`."""

from __future__ import annotations

import itertools
from typing import Any

MATRIX_RESERVED = {"include", "exclude"}
MAX_NAME_CHARS = 255  # job keys and display names, as stored


def matrix_axes(matrix: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: v for k, v in matrix.items() if k not in MATRIX_RESERVED}


def matrix_names(matrix: dict[str, Any]) -> set[str]:
    """Every name `${{ matrix.NAME }}` may use: the axes and the keys `include` adds."""
    included = {key for entry in matrix.get("include", []) if isinstance(entry, dict) for key in entry}
    return set(matrix_axes(matrix)) | included


def matrix_combinations(matrix: dict[str, Any]) -> list[dict[str, str]]:
    """One dict per job, values as text.

    An `include` entry is merged into every combination whose axis values it does not
    contradict (it may overwrite values earlier entries added, never an axis value); an entry
    that fits none becomes a combination of its own.
    """
    axes = {k: [as_text(v) for v in values] for k, values in matrix_axes(matrix).items()}
    if not axes and not matrix.get("include"):
        return [{}]
    excluded = [_texts(entry) for entry in matrix.get("exclude", [])]
    product = [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]
    combos = [c for c in product if not any(e.items() <= c.items() for e in excluded)] if axes else []
    extra: list[dict[str, str]] = []
    for entry in map(_texts, matrix.get("include", [])):
        fitting = [c for c in combos if all(c[k] == v for k, v in entry.items() if k in axes)]
        for combo in fitting:
            combo.update(entry)
        if not fitting and entry not in extra:
            extra.append(entry)
    return combos + extra


def job_key(job_id: str, combo: dict[str, str]) -> str:
    """How a job of the execution is named and referred to: ``test (3.12, linux)``."""
    return f"{job_id} ({', '.join(combo.values())})" if combo else job_id


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _texts(entry: dict[str, Any]) -> dict[str, str]:
    return {k: as_text(v) for k, v in entry.items()}
