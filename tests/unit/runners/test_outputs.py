from __future__ import annotations

import os
from pathlib import Path

import pytest

from conveyor.runners.outputs import OutputError, parse_outputs, read_outputs


def test_name_value_lines_and_multiline_values() -> None:
    text = "version=1.2\nempty=\nwith-eq=a=b\r\n\nnotes<<EOF\nline 1\nline 2\nEOF\nlast=x"
    assert parse_outputs(text) == {
        "version": "1.2",
        "empty": "",
        "with-eq": "a=b",
        "notes": "line 1\nline 2",
        "last": "x",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just text\n", "line 1: expected name=value or name<<DELIMITER"),
        ("ok=1\n=value\n", "line 2: expected name=value"),
        ("bad name=1\n", "line 1: 'bad name' is not an output name"),
        ("notes<<EOF\nnever ends\n", "line 1: no line 'EOF' ends the value of 'notes'"),
        ("notes<<\n", "line 1: 'name<<DELIMITER' needs a delimiter"),
    ],
)
def test_bad_lines_are_refused_with_their_line(text: str, message: str) -> None:
    with pytest.raises(OutputError, match=message):
        parse_outputs(text)


def test_the_file_is_read_as_hostile(tmp_path: Path) -> None:
    assert read_outputs(tmp_path / "removed") == {}
    big = tmp_path / "big"
    big.write_text("x=" + "y" * 100)
    with pytest.raises(OutputError, match="holds 102 bytes; at most 50"):
        read_outputs(big, limit=50)
    link = tmp_path / "link"
    link.symlink_to(big)
    with pytest.raises(OutputError, match="cannot be read"):
        read_outputs(link)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="no longer a regular file"):
        read_outputs(fifo)
