from __future__ import annotations

from conveyor.debug.cues import MAX_CUE_REPEATS, cue_tokens


def test_synonyms_from_different_tools_share_one_cue() -> None:
    assert "cue_disk" in cue_tokens("npm ERR! code ENOSPC")
    assert "cue_disk" in cue_tokens("OSError: [Errno 28] No space left on device")
    assert "cue_network" in cue_tokens("curl: (6) Could not resolve host: example.org")
    assert "cue_network" in cue_tokens("dial tcp 10.0.0.1:443: i/o timeout")


def test_cues_are_case_insensitive_and_capped() -> None:
    tokens = cue_tokens("Permission denied\n" * 10 + "FORBIDDEN")
    assert tokens.count("cue_auth") == MAX_CUE_REPEATS


def test_text_without_cues_gives_no_tokens() -> None:
    assert cue_tokens("Compiling module 12 of 40 ... ok") == []
