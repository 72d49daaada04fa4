from __future__ import annotations

from conveyor.debug.detect import detect_in_text
from conveyor.debug.features import TAIL_LINES, build_document, structure_part, text_part


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
