from __future__ import annotations

from conveyor.debug.cues import MAX_CUE_REPEATS, cue_tokens, edge_tokens


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


def test_the_written_label_edges_have_their_cues() -> None:
    # A missing system command is something to install; a missing file of the repository is setup.
    assert "cue_library" in cue_tokens("'retry' is not recognized as an internal or external command,")
    assert "cue_script" in cue_tokens("'C:\\ci\\appveyor.bat' is not recognized as an internal command")
    assert "cue_script" in cue_tokens("Error: Cannot find module './webpack.lib'")
    assert "cue_script" not in cue_tokens("Error: Cannot find module 'webpack'")
    assert "cue_script" in cue_tokens("Task 'test' not found in root project 'app'.")
    assert "cue_runner" in cue_tokens("was canceled with comment 'Agent removed'")
    assert "cue_killed" in cue_tokens("lto-wrapper: Morto signal terminated program lto1")
    assert "cue_timeout" in cue_tokens('thrown: "Exceeded timeout of 5000 ms for a hook.')
    assert "cue_lint" in cue_tokens("A.cs(871,14): error WHITESPACE: Fix whitespace formatting.")
    assert "cue_network" in cue_tokens("Temporary failure resolving 'archive.ubuntu.com'")
    assert "cue_network" in cue_tokens("API rate limit exceeded for 1.2.3.4")
    assert "cue_memory" in cue_tokens("Your build has exceeded the memory limit of 4G on 1 container.")
    assert "cue_runner" in cue_tokens("Error: Pod r-workflow is unhealthy with phase status Failed")
    assert "cue_missing" in cue_tokens("requires PHP extension ext-apcu * but it is missing from your system")
    assert "cue_library" in cue_tokens("##[error]Unable to locate executable file: 'cmd.exe'.")


def test_edges_of_the_tsc_label_definitions() -> None:
    assert edge_tokens("> tsc -p tsconfig.json") == ["edge_tsc_build"]
    assert edge_tokens("> tsc --noEmit") == ["edge_tsc_check"]
    assert edge_tokens("$ vue-tsc --noEmit") == ["edge_tsc_check"]
    assert edge_tokens("src/tsc.ts(2,4): error TS2339") == []


def test_edges_of_the_repository_s_own_missing_things() -> None:
    # The repository's own script, file or task that is not there is configuration, not a package.
    assert edge_tokens("sh: 1: ./delpoy-gh-pages.sh: not found") == ["edge_own_path"]
    assert edge_tokens("ENOENT: no such file or directory, open '/home/runner/work/r/r/package.json'") == [
        "edge_own_path"
    ]
    assert edge_tokens("error: Bad file: /builddir/build/SOURCES/a.patch: No such file or directory") == [
        "edge_own_path"
    ]
    assert edge_tokens("FileNotFoundError: [Errno 2] No such file or directory: '/__w/r/r/a.json'") == [
        "edge_own_path"
    ]
    assert edge_tokens('error Command "build" not found.') == ["edge_own_task"]
    assert edge_tokens("rake aborted!\nDon't know how to build task 'default'") == ["edge_own_task"]


def test_installed_packages_are_not_the_repository_s_own() -> None:
    assert edge_tokens("Error: Cannot find module '/home/runner/work/r/r/node_modules/left-pad'") == []
    assert edge_tokens("ModuleNotFoundError: No module named 'numpy'") == []
    assert edge_tokens("/bin/sh: 1: cmake: not found") == []
