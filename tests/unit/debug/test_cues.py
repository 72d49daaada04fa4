from __future__ import annotations

from conveyor.debug.cues import MAX_CUE_REPEATS, OWN_MODULE_CHARS, cue_tokens, edge_tokens


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


def test_edges_of_the_repository_s_own_missing_module() -> None:
    # Go: the missing package lies under the repository the log builds (its source directories,
    # the GOPATH or vendor tree it builds in, its Actions run URL).
    assert edge_tokens(
        "cmd/heapspurs/main.go:12:2: no required module provides package"
        " github.com/o/heapspurs/pkg/heapdump; to add it:"
    ) == ["edge_own_module"]
    assert "edge_own_module" in edge_tokens(
        'main.go:3:8: cannot find package "github.com/o/pact-go/command" in any of:\n'
        "\t/home/u/go/src/pact-go/vendor/github.com/o/pact-go/command (vendor tree)\n"
        "\t/home/u/go/src/github.com/o/pact-go/command (from $GOPATH)"
    )
    assert edge_tokens(
        "Run go build ./...\n/home/runner/work/r/r\n"
        "package github.com/o/r/internal/x is not in std (/opt/go/src/github.com/o/r/internal/x)"
    ) == ["edge_own_module"]
    # Java: the missing package is the one the repository's own sources live in.
    assert edge_tokens(
        "[ERROR] /w/src/main/java/com/example/app/web/A.java:[3,25]"
        " package com.example.app.core does not exist"
    ) == ["edge_own_module"]
    # Node: a module named by a path of the repository's own sources (not a package).
    assert edge_tokens("Error: Cannot find module 'src/domain/Branch'") == ["edge_own_module"]
    # Python's `No module named` stays dependency_missing by the written definition, whoever's
    # module it is (README, fifth and seventh parts): no token for the repository's own package.
    assert (
        edge_tokens(
            'File "/home/runner/work/mypkg/mypkg/tests/t.py", line 1\n'
            "ModuleNotFoundError: No module named 'mypkg'"
        )
        == []
    )


def test_third_party_modules_are_not_the_repository_s_own() -> None:
    # A GOPATH candidate Go lists for the missing package does not make it the repository's.
    assert (
        edge_tokens(
            "root@u:~/go/src/github.com/o/go-pagerduty# go build\n"
            'command/meta.go:8:2: cannot find package "github.com/mitchellh/go-homedir" in any of:\n'
            "\t/usr/lib/go-1.10/src/github.com/mitchellh/go-homedir (from $GOROOT)\n"
            "\t/root/go/src/github.com/mitchellh/go-homedir (from $GOPATH)"
        )
        == []
    )
    assert (
        edge_tokens(
            "[ERROR] /w/src/main/java/com/example/app/A.java:[3,25]"
            " package org.apache.commons.lang3 does not exist"
        )
        == []
    )
    assert edge_tokens("Error: Cannot find module 'lodash/fp'") == []
    # A package installed under site-packages is not the repository's own directory.
    assert (
        edge_tokens(
            "../../usr/lib64/python3.11/site-packages/google/__init__.py:1\n"
            "E   ModuleNotFoundError: No module named 'google.cloud'"
        )
        == []
    )
    assert (
        edge_tokens(
            'File "app/main.py", line 2, in <module>\n    import yaml\n'
            "ModuleNotFoundError: No module named 'yaml'"
        )
        == []
    )


def test_the_own_module_edge_reads_a_bounded_tail() -> None:
    # Only the last OWN_MODULE_CHARS characters are read: a 50 MB line costs what 20 kB does.
    head = 'cmd/r/main.go:1:2: cannot find package "github.com/o/r/x"\n'
    assert edge_tokens(head) == ["edge_own_module"]
    assert edge_tokens(head + "x" * OWN_MODULE_CHARS) == []
