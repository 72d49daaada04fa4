"""The template record used by the corpus modules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    """A failure excerpt with ``{placeholders}`` from ``fake.context``.

    ``ci`` pins the CI system when the text is specific to one; ``footer=False``
    drops the CI's usual "exit code N" ending (the text already ends the job).
    """

    label: str
    ecosystem: str
    command: str
    text: str
    ci: str | None = None
    exit_code: int | None = 1
    footer: bool = True
