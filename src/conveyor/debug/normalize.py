"""Turn raw CI log input into clean text for detection and classification.

Policy for awkward input (see ``prepare_log``):

* larger than ``MAX_LOG_BYTES``: ``LogTooLargeError`` (a ``ValueError``);
* binary data (NUL bytes or mostly control / undecodable bytes): ``BinaryLogError``;
* invalid UTF-8 inside otherwise textual logs: decoded with U+FFFD replacements;
* larger than ``ANALYSIS_LIMIT_BYTES``: only the tail and windows around the last
  error-looking lines are analysed, so time and memory stay bounded.
"""

from __future__ import annotations

import re
from typing import Final

from conveyor.debug.schemas import BinaryLogError, LogTooLargeError

MAX_LOG_BYTES: Final = 64 * 1024 * 1024
ANALYSIS_LIMIT_BYTES: Final = 512 * 1024
TAIL_BYTES: Final = 256 * 1024
REGION_RADIUS_BYTES: Final = 2 * 1024
REGIONS_PER_MARKER: Final = 4
SCAN_CHUNK_BYTES: Final = 1024 * 1024
REGION_SEPARATOR: Final = b"\n[... log truncated ...]\n"

# Lower-case markers whose last occurrences outside the tail are worth reading.
ERROR_MARKERS: Final[tuple[bytes, ...]] = (
    b"error",
    b"traceback",
    b"failed",
    b"fatal",
    b"killed",
    b"denied",
    b"timed out",
    b"no space left",
    b"exit code",
    b"panic:",
)

_SAMPLE_BYTES: Final = 8192
_CONTROL_BYTES: Final = frozenset(range(32)) - {9, 10, 12, 13, 27, 8}
# Every other byte: deleting them leaves the control bytes to count, in C.
_NOT_CONTROL: Final = bytes(byte for byte in range(256) if byte not in _CONTROL_BYTES)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]")
_GITLAB_SECTION = re.compile(r"section_(?:start|end):\d+:[\w.\-]+(?:\[[^\]\n]*\])?\r?")
_OVERWRITTEN_SEGMENT = re.compile(r"[^\r\n]*\r(?!\n)")
_LINE_PREFIXES = re.compile(
    r"""^[ \t]*(?:
        \[?\d{4}-\d{2}-\d{2}[T\ ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?
            (?:[ \t]+\d{2}[OE]\+?)?[ \t]?         # ISO time, GitLab stream tag
      | \[?\d{1,2}:\d{2}:\d{2}(?:\.\d+)?(?:[ ]?[AP]M)?\]?:?[ \t]   # clock time
      | \#\#\[(?:group|endgroup|section|command|warning|error|debug|notice)\]
      | ::(?:group|endgroup|error|warning|notice|debug)[^:\n]*::
      | travis_(?:fold|time):[\w:.,\-]*\r?
    )+""",
    re.MULTILINE | re.VERBOSE,
)
_BUILDKIT_TIMING = re.compile(r"^(#\d+) \d+\.\d+ ", re.MULTILINE)


def prepare_log(data: str | bytes) -> str:
    """Validate ``data`` and return normalized text ready for detection."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    if len(raw) > MAX_LOG_BYTES:
        raise LogTooLargeError(f"log is {len(raw)} bytes; the limit is {MAX_LOG_BYTES}")
    if not raw or raw.isspace():
        return ""
    _reject_binary(raw)
    text = select_regions(raw).decode("utf-8", "replace")
    if _replacement_ratio(text) > 0.3:
        raise BinaryLogError("log is not text: most bytes are not valid UTF-8")
    return strip_noise(text)


def strip_noise(text: str) -> str:
    """Remove ANSI codes, progress overwrites, timestamps and CI markers."""
    text = text.replace("\r\n", "\n")
    text = _ANSI.sub("", text)
    text = _GITLAB_SECTION.sub("", text)
    if "\r" in text:  # without one the pattern cannot match, and trying it costs ~0.1 ms per log
        text = _OVERWRITTEN_SEGMENT.sub("", text)
    text = _LINE_PREFIXES.sub("", text)
    return _BUILDKIT_TIMING.sub(r"\1 ", text)


def select_regions(raw: bytes) -> bytes:
    """Keep the tail plus windows around the last error markers of a large log."""
    if len(raw) <= ANALYSIS_LIMIT_BYTES:
        return raw
    head_end = len(raw) - TAIL_BYTES
    windows = _merge_windows(_marker_windows(raw, head_end), head_end)
    pieces = [raw[start:end] for start, end in windows]
    pieces.append(raw[head_end:])
    return REGION_SEPARATOR.join(pieces)


def _marker_windows(raw: bytes, limit: int) -> list[tuple[int, int]]:
    """Windows around the last hits of each marker before ``limit``, scanning backwards.

    Chunks are lower-cased one at a time so memory stays at one chunk, not the whole log.
    """
    hits: dict[bytes, list[int]] = {marker: [] for marker in ERROR_MARKERS}
    overlap = max(len(marker) for marker in ERROR_MARKERS)
    end = limit
    while end > 0 and any(len(found) < REGIONS_PER_MARKER for found in hits.values()):
        start = max(0, end - SCAN_CHUNK_BYTES)
        chunk = raw[start : min(limit, end + overlap)].lower()
        for marker, found in hits.items():
            _collect_hits(chunk, marker, start, found)
        end = start
    return [
        (hit - REGION_RADIUS_BYTES, hit + REGION_RADIUS_BYTES) for found in hits.values() for hit in found
    ]


def _collect_hits(chunk: bytes, marker: bytes, offset: int, found: list[int]) -> None:
    search_end = len(chunk)
    while len(found) < REGIONS_PER_MARKER:
        hit = chunk.rfind(marker, 0, search_end)
        if hit < 0:
            return
        if not found or offset + hit < found[-1] - REGION_RADIUS_BYTES:
            found.append(offset + hit)
        search_end = hit


def _merge_windows(windows: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        start, end = max(start, 0), min(end, limit)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _reject_binary(raw: bytes) -> None:
    sample = raw[:_SAMPLE_BYTES] + raw[-_SAMPLE_BYTES:]
    if b"\x00" in sample:
        raise BinaryLogError("log is not text: it contains NUL bytes")
    control = len(sample.translate(None, _NOT_CONTROL))
    if control > len(sample) * 0.1:
        raise BinaryLogError("log is not text: too many control characters")


def _replacement_ratio(text: str) -> float:
    sample = text[:_SAMPLE_BYTES] + text[-_SAMPLE_BYTES:]
    return sample.count("\ufffd") / max(len(sample), 1)
