"""Secret masking: every secret value, and its base64 forms, becomes ``***`` in logs and errors."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

MASK = "***"
# Masking one- to three-character values would shred ordinary output and hide nothing.
MIN_MASKED_LENGTH = 4


class Masker:
    def __init__(self, secrets: Iterable[str]) -> None:
        variants = {v for secret in secrets for v in _variants(secret) if len(v) >= MIN_MASKED_LENGTH}
        ordered = sorted(variants, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern else text

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self(text)


def _variants(secret: str) -> set[str]:
    raw = secret.encode()
    encoded = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    found = {secret, *encoded, *(e.rstrip("=") for e in encoded)}
    # Each line of a multi-line secret (keys, certificates) arrives as its own log line.
    found.update(line.strip() for line in secret.splitlines())
    return found
