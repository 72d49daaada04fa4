"""Variations applied to a template's excerpt before it is framed as a CI log.

Real logs rarely show an error alone: it sits among unrelated warnings, is cut off by
whoever pasted it, or is followed by the errors it caused (``make: *** Error 1``, the
runner's exit line). Each helper takes the excerpt's lines and returns new lines; the
rates are module constants and every choice comes from the seeded ``random.Random``.
"""

from __future__ import annotations

import random
from typing import Final

DISTRACTOR_RATE: Final = 0.45
CASCADE_RATE: Final = 0.4
WINDOW_RATE: Final = 0.15

# Benign chatter that CI logs print whatever failed: warnings, notices, progress.
DISTRACTORS: Final[tuple[str, ...]] = (
    "warning: variable does not need to be mutable",
    "npm WARN EBADENGINE Unsupported engine { package: 'left-pad@1.3.0', required: { node: '>=18' } }",
    "DeprecationWarning: The distutils package is deprecated and slated for removal",
    "WARNING: The requested image's platform (linux/amd64) does not match the host platform",
    "warning: in the working copy of 'README.md', LF will be replaced by CRLF",
    "::warning::Node.js 16 actions are deprecated. Please update the following actions",
    "[WARNING] Parameter 'localRepository' is deprecated",
    "warning: unused import: `std::fmt`",
    "note: This error originates from a subprocess, and is likely not a problem with pip.",
    "hint: Using 'master' as the name for the initial branch.",
    "FutureWarning: the default value of numeric_only will change",
    "Browserslist: caniuse-lite is outdated. Please run: npx update-browserslist-db@latest",
    "W: GPG error: https://packages.example.org stable InRelease: The following signatures were invalid",
    "info There appears to be a newer version of yarn available",
    "Progress: resolved 812, reused 790, downloaded 22, added 0",
    "Deprecation warning: Gradle 9.0 will drop support for this build script syntax",
    "cc1: warning: command-line option '-Wno-class-memaccess' is valid for C++ but not for C",
    "Waiting for the debugger to disconnect...",
    "PHP Deprecated:  Return type of Iterator::current() should be compatible",
    "Skipping optional dependency fsevents: unsupported platform",
)

# Follow-on failures printed after the root cause by build drivers and runners.
CASCADES: Final[tuple[str, ...]] = (
    "make: *** [Makefile:{n}: all] Error 2",
    "make[1]: *** [Makefile:{n}: build] Error 1",
    "FAILED: CMakeFiles/app.dir/all",
    "ninja: build stopped: subcommand failed.",
    "error: Recipe `ci` failed on line {n} with exit code 1",
    "Error: Process completed with exit code 1.",
    "The command '/bin/sh -c ./ci.sh' returned a non-zero code: 1",
    "Build step 'Execute shell' marked build as failure",
    "script returned exit code 1",
    "ERROR: Build failed. See the messages above.",
    "Command exited with non-zero status 1",
    "tox: commands failed",
    "npm error Lifecycle script `build` failed with error:",
    "error Command failed with exit code 1.",
    "FAILURE: Build failed with an exception.",
    "Task failed: 1 of {n} steps did not complete",
)


def add_distractors(r: random.Random, body: list[str]) -> list[str]:
    """Insert 1-3 unrelated warnings before or between the excerpt's first lines."""
    if r.random() >= DISTRACTOR_RATE:
        return body
    out = list(body)
    for line in r.sample(DISTRACTORS, r.randint(1, 3)):
        out.insert(r.randint(0, max(0, min(len(out) - 1, 3))), line)
    return out


def add_cascade(r: random.Random, body: list[str]) -> list[str]:
    """Append 1-2 follow-on failure lines after the root cause."""
    if r.random() >= CASCADE_RATE:
        return body
    picks = r.sample(CASCADES, r.randint(1, 2))
    return body + [line.format(n=r.randint(2, 400)) for line in picks]


def cut_window(r: random.Random, body: list[str]) -> list[str]:
    """Keep only the end of a long excerpt, as when someone pastes the last lines."""
    if len(body) < 6 or r.random() >= WINDOW_RATE:
        return body
    return body[-r.randint(3, len(body) - 2) :]


def vary(r: random.Random, body: list[str]) -> list[str]:
    """Apply the three variations in a fixed order."""
    return add_cascade(r, add_distractors(r, cut_window(r, body)))
