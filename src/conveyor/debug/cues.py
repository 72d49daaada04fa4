"""Cause cues: phrases that point at one failure cause whatever tool printed them.

Each row is ``(cue, pattern)``; ``cue_tokens`` turns the phrases found in a text into
``cue_<name>`` tokens for the model's structure line. Synonyms from different tools share
one token, so a phrasing seen in one tool's template carries over to another tool's log.
Every phrase is one that the corpus templates use, a generic word, or a phrase of the written
label edges met in the real training excerpts (``real_train.jsonl``); phrases first met in the
untouched real-log holdout were left out on purpose (see data/README.md).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from conveyor.debug.literals import may_match, required_literals

CUE_ROWS: Final[tuple[tuple[str, str], ...]] = (
    ("disk", r"no space left|enospc|disk quota|errno 28|disk full"),
    ("disk", r"insufficient (?:disk|storage)|out of disk"),
    ("memory", r"out of memory|heap (?:limit|space|out)|allocation failed|oom[- ]?kill|oomkilled"),
    ("memory", r"cannot allocate memory|memoryerror|gc overhead|exceeded the memory limit"),
    ("killed", r"sigkill|signal 9|\bkilled\b|exit(?:ed)? (?:code|status|value|with) 137"),
    ("killed", r"signal terminated program"),
    ("timeout", r"timed? ?out after|exceeded the maximum (?:execution )?time|time limit|took longer than"),
    ("timeout", r"no output has been received|too long with no output|deadline exceeded"),
    ("timeout", r"timeout (?:has been |of \d+m?s )?exceeded|timetrap_timeout"),
    ("timeout", r"tests timed out|exited with 124|exceeded timeout of \d+|with status \"?timeout\b"),
    ("cancel", r"operation was canceled|was cancelled|build (?:was )?aborted|marking the build as aborted"),
    ("network", r"could not resolve host|name resolution|getaddrinfo|eai_again|enotfound|dial tcp"),
    ("network", r"econnreset|econnrefused|etimedout|connection (?:reset|refused|timed out)|i/o timeout"),
    ("network", r"network is unreachable|ssl_error|tls handshake|certificate verify failed|spurious network"),
    ("network", r"could not (?:transfer|get|download)|failed to (?:download|fetch)"),
    ("network", r"\b50[234]\b.{0,30}(?:gateway|unavailable)"),
    ("network", r"empty reply from server|unable to access '"),
    ("network", r"could not fetch content|could not create connection|unable to connect to"),
    ("network", r"temporary failure (?:in name )?resolving|unable to load the service index|rate limit"),
    ("auth", r"permission denied|access denied|unauthori[sz]ed|forbidden|\b40[13]\b"),
    (
        "auth",
        r"authentication (?:failed|required)|bad credentials|not authorized|invalid (?:token|credentials)",
    ),
    ("auth", r"e401|e403|publickey|resource not accessible"),
    ("conflict", r"conflict|eresolve|incompatible|could not resolve dependenc|version solving failed"),
    ("conflict", r"resolutionimpossible|unable to resolve dependency tree|peer dep|requires .{0,40} but"),
    ("conflict", r"could not find compatible versions|failed to select a version|cannot satisfy"),
    ("conflict", r"dependencies have diverged|impossible situation"),
    ("missing", r"no module named|cannot find module|module not found|modulenotfound"),
    ("missing", r"could not find a version|no matching distribution|no such file or directory|not found in"),
    ("missing", r"cannot find -l|command not found|could not find (?:artifact|package|gem)"),
    ("missing", r"unresolved import|loaderror|no matching package found|unable to locate package"),
    ("missing", r"missing from your system|php extension \S+ is missing"),
    ("compile", r"syntax error|cannot find symbol|undefined reference|expected .{1,20} before"),
    (
        "compile",
        r"could not compile|compilation (?:failed|error|terminated)|mismatched types|error\[e\d{4}\]",
    ),
    ("types", r"\bmypy\b|pyright|\btsc\b|error ts\d{4}|incompatible type|not assignable|type-?check"),
    ("types", r"has no attribute .{0,40}\[attr-defined\]|argument of type|found \d+ errors? in \d+ files?"),
    ("types", r"\(report[a-z]+\)"),
    ("lint", r"eslint|flake8|\bruff\b|pylint|rubocop|clippy|golangci|prettier|black|isort|ktlint|checkstyle"),
    ("lint", r"would reformat|offenses? detected|code style|lint|\bgofmt\b|rustfmt"),
    ("lint", r"whitespace formatting|fix (?:whitespace|formatting)|not (?:properly )?formatted"),
    ("tests", r"\bfailed\b.{0,40}\btests?\b|tests? failed|assert(?:ion)?(?:error)?"),
    ("tests", r"expected.{0,40}(?:got|received|but was)"),
    ("tests", r"failures?:|--- fail|fail:|test suites?:|examples?, \d+ failures?|there are test failures"),
    ("config", r"invalid (?:workflow|configuration|config|yaml)|yaml|unexpected value"),
    ("config", r"input required|not supplied|unknown (?:option|flag|argument)|missing required"),
    ("config", r"not set|undefined variable|no such option|unsupported (?:option|version)|is not a valid"),
    ("config", r"configuration errors?:|schema violations?|config(?:uration)? (?:file )?is invalid"),
    ("config", r"your (?:configuration|config|workflow) file"),
    ("runner", r"lost communication|runner .{0,40}shutdown|channel ?closed"),
    ("runner", r"system failure|docker daemon|cannot connect to the docker|prepare environment"),
    ("runner", r"stopped hearing from agent|agent .{0,40}(?:offline|was lost)"),
    ("runner", r"cannot contact .{0,40}exception|agent (?:removed|disconnected|lost)"),
    ("runner", r"vm could not be started|preparing the build environment"),
    ("runner", r"container failed to start|pod .{0,60}(?:unhealthy|failed to come online)"),
    ("library", r"error while loading shared libraries|cannot open shared object|library not loaded"),
    ("library", r"executable file not found in \$path|is currently not installed|command not found"),
    ("library", r"is not recognized as an internal or external command|no such command"),
    ("library", r"unable to locate executable file"),
    ("script", r"\bcd: \S+: no such file|no rakefile found|task never defined|no rule to make target"),
    ("script", r"cannot find module '\.\.?/|task '[^']+' not found in (?:root )?project"),
    ("script", r"go\.mod file not found"),
    ("script", r"project file does not exist|missing script|\.(?:bat|cmd|ps1|sh)\W{0,2} is not recognized"),
)

_MISSING: Final = r"(?:no such file or directory|not found|cannot find|does not exist|could not find)"
_OWN_ROOT: Final = (
    r"(?:\.\.?/|/home/runner/work/|/github/workspace|/builds/|/home/travis/build/"
    r"|/var/lib/jenkins/workspace/|/builddir/build/|[a-z]:\\a\\|\$travis_build_dir|/__w/|/drone/src/"
    r"|/home/circleci/project/|/buildkite-agent/builds/|/opt/atlassian/pipelines/agent/build/)(?![^\s'\"]*node_modules)"
)

# Edges of the written label definitions that a line far from the error decides, so they are
# looked for in the whole tail: tsc run as the build's compiler (``> tsc`` of an npm script) is
# compile_error, a ``tsc --noEmit`` / ``vue-tsc`` step is type_check (docs/diagnosis.md).
EDGE_ROWS: Final[tuple[tuple[str, str], ...]] = (
    ("tsc_build", r"(?m)^(?:> )?tsc(?![^\n]*noemit)(?:\s+-[^\n]*)?\s*$|\bts-node\b|buildtsc"),
    ("tsc_check", r"tsc\b[^\n]*--noemit|vue-tsc"),
    # The missing thing is the repository's own (a relative path, a path in the checkout, a
    # script or task it names) rather than a package: configuration, not dependency_missing.
    ("own_path", _MISSING + r"[^\n]{0,120}?[\s'\"(]" + _OWN_ROOT),
    (
        "own_path",
        r"[\s'\"(]" + _OWN_ROOT + r"[^\s'\":]*['\"]?:? (?:no such file|not found|command not found)",
    ),
    ("own_task", r"error command \"[^\"\n]+\" not found|don't know how to build task"),
)

Compiled = tuple[tuple[str, re.Pattern[str], frozenset[str] | None], ...]
MAX_CUE_TEXT_CHARS: Final = 6000
MAX_CUE_REPEATS: Final = 3


def cue_tokens(text: str) -> list[str]:
    """``cue_<name>`` tokens for the cues in the first 6000 chars of ``text``, at most 3 of each."""
    lowered = text[:MAX_CUE_TEXT_CHARS].lower()
    counts: dict[str, int] = {}
    for name, regex, literals in _compiled(CUE_ROWS):
        if not may_match(literals, lowered):
            continue
        hits = min(len(regex.findall(lowered)), MAX_CUE_REPEATS)
        if hits:
            counts[name] = min(counts.get(name, 0) + hits, MAX_CUE_REPEATS)
    return [f"cue_{name}" for name, count in sorted(counts.items()) for _ in range(count)]


def edge_tokens(tail: str) -> list[str]:
    """``edge_<name>`` tokens for the label edges found anywhere in the (lower-cased) log tail."""
    lowered = tail.lower()
    found = [
        name
        for name, regex, literals in _compiled(EDGE_ROWS)
        if may_match(literals, lowered) and regex.search(lowered)
    ]
    if own_module_missing(lowered):
        found.append("own_module")
    return [f"edge_{name}" for name in found]


# The repository's own module reported missing (issue #17, ninth part): the missing Go package,
# Java package or Node module is matched against the names the same log gives the repository
# (its checkout directory, the GOPATH or vendor directory it builds in, its Actions run URL, the
# directories of its own source files): configuration by the written edges, like a missing file
# of the repository. Python's ``No module named`` is left out: the written definition makes it
# dependency_missing whoever's module it is (data/README.md, fifth and seventh parts). Only the
# tail's last characters are read, and every pattern below has bounded repeats, so a 50 MB
# one-line log costs what 20 kB does.
OWN_MODULE_CHARS: Final = 20_000
_MISSING_MODULE = re.compile(
    r"cannot find package \"(?P<go>[\w.~-]+(?:/[\w.~-]+){0,12})\""
    r"|package (?P<gostd>[\w.~-]+(?:/[\w.~-]+){0,12}) is not in (?:std|goroot)"
    r"|(?:no required module provides|cannot find module providing) package "
    r"(?P<gomod>[\w.~-]+(?:/[\w.~-]+){0,12})"
    r"|package (?P<java>[a-z_]\w{0,40}(?:\.[a-z_]\w{0,40}){1,12}) does not exist"
    r"|cannot find module '(?P<node>[\w$][\w.$-]{0,60}/[^'\s]{1,200})'"
)
# Where a log names the repository itself: a CI checkout, a GOPATH or vendor tree it builds in
# (not the ``(from $GOPATH)`` candidates Go lists for the missing package), a Read the Docs
# project, pytest's rootdir, the repository's Actions run or pull request URL.
_OWN_NAME = re.compile(
    r"/home/runner/work/(?P<a>[\w.-]{1,100})/(?P=a)\b"
    r"|/__w/(?P<b>[\w.-]{1,100})/(?P=b)\b"
    r"|[a-z]:\\a\\(?P<c>[\w.-]{1,100})\\(?P=c)\b"
    r"|/(?:home/travis/build|builds|drone/src)/[\w.-]{1,100}/(?P<d>[\w.-]{1,100})"
    r"|/user_builds/(?P<e>[\w.-]{1,100})/"
    r"|/(?P<f>[\w.-]{1,100})/vendor/"
    r"|/src/(?:github\.com|gitlab\.com|bitbucket\.org)/[\w.-]{1,100}/(?P<g>[\w.-]{1,100})"
    r"(?![^\n]{0,300}\(from \$go)"
    r"|(?:github|gitlab)\.com/[\w.-]{1,100}/(?P<h>[\w.-]{1,100})/(?:actions/runs|pull|-/jobs|commit)/"
    r"|rootdir: [^\s]{0,200}/(?P<i>[\w.-]{1,100})"
)
# A source file of the repository named by a relative path (``cmd/app/main.go:12:2``): its
# directories, but not the generic ones every project and package has.
_RELATIVE_SOURCE = re.compile(
    r"(?<![\w/.\\-])(?:\./)?((?:[\w.-]{1,100}/){1,12})[\w.-]{1,100}\.(?:go|py|java|kt|scala|js|ts|mjs|cjs)\b"
)
_GENERIC_DIRS: Final = frozenset(
    {"src", "lib", "cmd", "pkg", "internal", "test", "tests", "go", "app", "main", "java", "vendor"}
    | {"node_modules", "dist", "build", "bin", "tools", "scripts", "utils", "x", "v1", "v2", ".", ".."}
)
# Directories of installed packages, whose files are not the repository's own.
_INSTALLED_DIRS: Final = frozenset({"site-packages", "dist-packages", "node_modules", "vendor", "mod", ".m2"})
_CODE_HOSTS: Final = frozenset({"github.com", "gitlab.com", "bitbucket.org"})
_GO_VERSION_SEGMENT = re.compile(r"v\d+|x")


def own_module_missing(lowered: str) -> bool:
    """Whether the (lower-cased) log tail reports a module of the repository itself missing."""
    text = lowered[-OWN_MODULE_CHARS:]
    if not may_match(_missing_module_literals(), text):
        return False
    missing = list(_MISSING_MODULE.finditer(text))
    if not missing:
        return False
    names = {name for match in _OWN_NAME.finditer(text) for name in match.groups() if name}
    for match in _RELATIVE_SOURCE.finditer(text):
        directories = match.group(1).split("/")
        if not _INSTALLED_DIRS.intersection(directories):
            names.update(part for part in directories if part and part not in _GENERIC_DIRS)
    return any(_is_own(match, names, text) for match in missing)


@cache
def _missing_module_literals() -> frozenset[str] | None:
    return required_literals(_MISSING_MODULE.pattern)


def _is_own(match: re.Match[str], names: set[str], text: str) -> bool:
    go = match.group("go") or match.group("gostd") or match.group("gomod")
    if go:
        return _go_repository(go.split("/")) in names
    java = match.group("java")
    if java:
        # The missing package's first three segments as the directories of a source file.
        prefix = "/".join(java.split(".")[:3])
        return f"/java/{prefix}/" in text or f"/kotlin/{prefix}/" in text
    node = match.group("node")
    return node is not None and node.split("/", 1)[0] in names | {"src", "app"}


def _go_repository(parts: list[str]) -> str:
    """The repository segment of a Go import path: ``github.com/o/r/x`` gives ``r``; off the code
    hosts, the first segment after the module's host that is not a major version or ``x``."""
    if parts[0] in _CODE_HOSTS:
        return parts[2] if len(parts) > 2 else parts[-1]
    if len(parts) > 1:
        return next((part for part in parts[1:] if not _GO_VERSION_SEGMENT.fullmatch(part)), parts[-1])
    return parts[-1]


@cache
def _compiled(rows: tuple[tuple[str, str], ...]) -> Compiled:
    """Each row's pattern compiled, with the strings one of which its every match contains
    (``literals``: a text without any cannot match); at first use, not at import (~6 ms)."""
    return tuple((name, re.compile(pattern), required_literals(pattern)) for name, pattern in rows)
