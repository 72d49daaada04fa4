from __future__ import annotations

from conveyor.debug.detect import detect_in_text
from conveyor.debug.features import TAIL_LINES, build_document, salient_part, structure_part, text_part


def test_document_starts_with_detection_tokens() -> None:
    text = "$ pip install x\nERROR: No matching distribution found for x==1\nexit code 1"
    document = build_document(text, detect_in_text(text))
    structure = structure_part(document).split()
    assert "kind_package_not_found" in structure
    assert "tool_pip" in structure
    assert "pair_package_not_found_pip" in structure


def test_document_without_errors_has_a_none_marker_and_the_tail() -> None:
    lines = [f"line {i}" for i in range(TAIL_LINES + 20)]
    document = build_document("\n".join(lines), [])
    assert structure_part(document) == "kind_none"
    assert "line 19" not in text_part(document)
    assert f"line {TAIL_LINES + 19}" in text_part(document)


def test_text_part_is_lower_cased() -> None:
    assert text_part("kind_none\nModuleNotFoundError") == "modulenotfounderror"


def test_salient_part_keeps_the_failure_lines_once_and_the_last_lines() -> None:
    chatter = [f"Compiling module {i} ... ok" for i in range(30)]
    failure = "Unable to locate executable file: 'bash'."
    document = build_document(
        "\n".join([*chatter[:10], failure, *chatter[10:20], failure, *chatter[20:]]), []
    )
    salient = salient_part(document).split("\n")
    assert salient.count(failure.lower()) == 1
    assert salient[1:] == [f"compiling module {i} ... ok" for i in range(24, 30)]


def test_tsc_as_the_build_or_as_a_check_is_marked_from_anywhere_in_the_tail() -> None:
    build = "> app@1.0.0 build\n> tsc\n\n" + "\n".join(["..."] * 20) + "\nsrc/a.ts(1,2): error TS2339: x"
    check = "Run npx tsc --noEmit\nsrc/a.ts(1,2): error TS2339: x"
    assert "edge_tsc_build" in structure_part(build_document(build, detect_in_text(build))).split()
    tokens = structure_part(build_document(check, detect_in_text(check))).split()
    assert "edge_tsc_check" in tokens and "edge_tsc_build" not in tokens
