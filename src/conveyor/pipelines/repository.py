"""A project's pipeline files as they are at one commit of its repository.

Each repository gets a bare mirror under ``<data dir>/mirrors`` (keyed by its URL), fetched
when a wanted commit or ref is not there yet; files are read from it with ``git ls-tree`` and
``git cat-file``, never from a working tree, so a branch that changes its pipeline runs its own
version. The URL is checked against the repository policy before every fetch, git gets no
prompt, only the transports a checkout may use, and a time limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from conveyor.config import Settings
from conveyor.errors import InvalidInput
from conveyor.pipelines.spec.formats import WORKFLOWS_DIRECTORY
from conveyor.pipelines.spec.loader import MAX_CHARS
from conveyor.projects.repos import RepoPolicy, check_repo_url
from conveyor.projects.repository import GIT_ENV, MAX_COMMIT_MESSAGE_CHARS

PIPELINE_FILE = ".conveyor.yml"
PIPELINE_DIRECTORY = ".conveyor"
FETCH_TIMEOUT_SECONDS = 120.0
READ_TIMEOUT_SECONDS = 20.0
MAX_PIPELINE_FILES = 100
_SHA = re.compile(r"^[0-9a-f]{7,64}$")
_LOCKS: dict[Path, asyncio.Lock] = {}


@dataclass(frozen=True)
class PipelineFile:
    """A pipeline file at a commit: its text, or why it cannot be read as one."""

    path: str
    text: str | None
    problem: str | None = None


def pipeline_paths(paths: Iterable[str], *, workflows: bool) -> list[str]:
    """The paths that are pipelines: ``.conveyor.yml``, ``.conveyor/*.yml`` (and ``.yaml``), and
    with ``workflows`` GitHub's ``.github/workflows/*.yml``; in that order, sorted within each."""
    directories = [PIPELINE_DIRECTORY, *([WORKFLOWS_DIRECTORY] if workflows else [])]
    chosen = [PIPELINE_FILE] if PIPELINE_FILE in paths else []
    for directory in directories:
        chosen += sorted(
            path
            for path in paths
            if str(PurePosixPath(path).parent) == directory and path.endswith((".yml", ".yaml"))
        )
    return chosen


class RepositoryMirrors:
    def __init__(self, root: Path, policy: RepoPolicy) -> None:
        self.root = root
        self.policy = policy

    @classmethod
    def of(cls, settings: Settings) -> RepositoryMirrors:
        return cls(settings.data_dir.resolve() / "mirrors", RepoPolicy.of(settings))

    def _mirror(self, repo_url: str) -> Path:
        return self.root / (hashlib.sha256(repo_url.encode()).hexdigest()[:24] + ".git")

    async def resolve(self, repo_url: str, ref: str) -> str:
        """The commit ``ref`` (a branch, tag or commit id) names now; InvalidInput when none."""
        mirror = await self._fetched(repo_url)
        names = [ref] if _SHA.match(ref) else []
        short = ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
        names += [f"refs/heads/{short}", f"refs/tags/{short}"]
        for name in names:
            sha = await _try_git(mirror, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
            if sha:
                return sha
        raise InvalidInput(f"ref {ref!r} not found in the repository {repo_url}")

    async def describe(self, repo_url: str, sha: str) -> tuple[str, str]:
        """The message and author of commit ``sha``."""
        mirror = await self._with_commit(repo_url, sha)
        author, _, message = (await _git(mirror, "log", "-1", "--format=%an%x00%B", sha)).partition("\0")
        return message.strip()[:MAX_COMMIT_MESSAGE_CHARS], author[:255]

    async def files_at(self, repo_url: str, sha: str, *, workflows: bool) -> list[PipelineFile]:
        """The pipeline files at commit ``sha`` (fetched first if the mirror lacks it)."""
        mirror = await self._with_commit(repo_url, sha)
        listing = await _git(
            mirror, "ls-tree", "-z", "--full-tree", sha, "--", PIPELINE_FILE,
            PIPELINE_DIRECTORY + "/", WORKFLOWS_DIRECTORY + "/",
        )  # fmt: skip
        entries: dict[str, tuple[str, str]] = {}
        for entry in listing.split("\0"):
            if "\t" in entry:
                meta, path = entry.split("\t", 1)
                mode, kind, _ = meta.split(" ")
                entries[path] = (mode, kind)
        paths = pipeline_paths(entries, workflows=workflows)[:MAX_PIPELINE_FILES]
        return [await _read(mirror, sha, path, *entries[path]) for path in paths]

    async def _with_commit(self, repo_url: str, sha: str) -> Path:
        if not _SHA.match(sha):
            raise InvalidInput(f"{sha!r} is not a commit id")
        mirror = self._mirror(repo_url)
        if mirror.exists() and await _try_git(mirror, "cat-file", "-e", f"{sha}^{{commit}}") is not None:
            return mirror
        await self._fetched(repo_url)
        if await _try_git(mirror, "cat-file", "-e", f"{sha}^{{commit}}") is None:
            async with _lock(mirror):  # a commit no branch holds (yet): ask for it by id
                await _try_git(mirror, "fetch", "--quiet", "--", repo_url, sha)
            if await _try_git(mirror, "cat-file", "-e", f"{sha}^{{commit}}") is None:
                raise InvalidInput(f"commit {sha} not found in the repository {repo_url}")
        return mirror

    async def _fetched(self, repo_url: str) -> Path:
        """The mirror, brought up to date with the repository's branches and tags."""
        await check_repo_url(repo_url, self.policy)
        mirror = self._mirror(repo_url)
        async with _lock(mirror):
            if not (mirror / "HEAD").exists():
                mirror.mkdir(parents=True, exist_ok=True)
                await _git(mirror, "init", "--quiet", "--bare")
            await _git(
                mirror, "fetch", "--quiet", "--prune", "--force", "--", repo_url,
                "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*",
                limit=FETCH_TIMEOUT_SECONDS,
            )  # fmt: skip
        return mirror


def _lock(mirror: Path) -> asyncio.Lock:
    return _LOCKS.setdefault(mirror, asyncio.Lock())


async def _read(mirror: Path, sha: str, path: str, mode: str, kind: str) -> PipelineFile:
    if kind != "blob" or mode == "120000":
        return PipelineFile(path, None, f"{path} is not a regular file (a link or a directory)")
    size = int(await _git(mirror, "cat-file", "-s", f"{sha}:{path}"))
    if size > MAX_CHARS:
        return PipelineFile(path, None, f"{path} is {size} bytes; a pipeline file has at most {MAX_CHARS}")
    data = await _git_bytes(mirror, "cat-file", "blob", f"{sha}:{path}")
    try:
        return PipelineFile(path, data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return PipelineFile(path, None, f"{path} is not UTF-8 text (byte {exc.start})")


async def _try_git(mirror: Path, *args: str) -> str | None:
    try:
        return await _git(mirror, *args)
    except InvalidInput:
        return None


async def _git(mirror: Path, *args: str, limit: float = READ_TIMEOUT_SECONDS) -> str:
    return (await _git_bytes(mirror, *args, limit=limit)).decode(errors="replace").strip()


async def _git_bytes(mirror: Path, *args: str, limit: float = READ_TIMEOUT_SECONDS) -> bytes:
    process = await asyncio.create_subprocess_exec(
        "git", "--git-dir", str(mirror), *args,
        env=GIT_ENV, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(limit):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise InvalidInput(f"git {args[0]} did not finish within {limit:.0f} s") from None
    if process.returncode != 0:
        reason = (err.decode(errors="replace").strip().splitlines() or ["git failed"])[-1]
        raise InvalidInput(f"git {args[0]}: {reason}")
    return out
