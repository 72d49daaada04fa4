"""Files a step writes for the runner: outputs (``name=value`` lines in ``$CONVEYOR_OUTPUT``), and
the same format in ``$CONVEYOR_ENV``, paths in ``$CONVEYOR_PATH`` and Markdown in
``$CONVEYOR_STEP_SUMMARY`` (also under GitHub's names, ``$GITHUB_ENV``...).

As in GitHub Actions, ``name<<DELIMITER`` starts a value of several lines that ends at a line
holding only the delimiter. The step owns the file, so it is read as hostile: never through a
symbolic link, only a regular file, never more than the limit.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

MAX_OUTPUT_BYTES = 1024 * 1024  # per step, and for a job's outputs together
OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,99}$")


class OutputError(ValueError):
    pass


def read_outputs(path: Path, limit: int = MAX_OUTPUT_BYTES, name: str = "$CONVEYOR_OUTPUT") -> dict[str, str]:
    """The outputs in the step's file (none if the step removed it); OutputError when bad."""
    return parse_outputs(read_step_file(path, limit, name))


def read_step_file(path: Path, limit: int = MAX_OUTPUT_BYTES, name: str = "$CONVEYOR_OUTPUT") -> str:
    """The text of a file a step writes for the runner (``name`` in errors): '' when removed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise OutputError(f"{name} cannot be read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OutputError(f"{name} is no longer a regular file")
        if info.st_size > limit:
            raise OutputError(f"{name} holds {info.st_size} bytes; at most {limit} are allowed")
        data = os.read(fd, limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OutputError(f"{name} holds more than {limit} bytes")
    return data.decode("utf-8", errors="replace")


def parse_outputs(text: str) -> dict[str, str]:
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    outputs: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line, number = lines[index], index + 1
        index += 1
        if not line.strip():
            continue
        name, value = _split(line, number)
        if value is None:  # name<<DELIMITER
            delimiter = line.partition("<<")[2]
            end = next((i for i in range(index, len(lines)) if lines[i] == delimiter), None)
            if end is None:
                raise OutputError(f"line {number}: no line {delimiter!r} ends the value of {name!r}")
            value, index = "\n".join(lines[index:end]), end + 1
        outputs[name] = value
    return outputs


def _split(line: str, number: int) -> tuple[str, str | None]:
    equals, heredoc = line.find("="), line.find("<<")
    if heredoc > 0 and (equals < 0 or heredoc < equals):
        name, delimiter = line[:heredoc], line[heredoc + 2 :]
        if not delimiter.strip():
            raise OutputError(f"line {number}: 'name<<DELIMITER' needs a delimiter")
        value = None
    elif equals > 0:
        name, value = line[:equals], line[equals + 1 :]
    else:
        raise OutputError(f"line {number}: expected name=value or name<<DELIMITER")
    if not OUTPUT_NAME.match(name):
        raise OutputError(f"line {number}: {name[:40]!r} is not an output name (letters, digits, _ and -)")
    return name, value
