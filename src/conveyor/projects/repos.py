"""Which ``repoUrl`` a project may have: what the server (or a worker) will clone for anyone who
can create a project.

https, ssh (``ssh://`` or ``user@host:path``) and git URLs, to hosts that are not loopback,
link-local or private addresses unless listed in ``CONVEYOR_ALLOWED_REPO_HOSTS``; local paths
(or ``file://``) only under a directory of ``CONVEYOR_ALLOWED_REPO_ROOTS``. Checked when a
project is created or changed, and again before each checkout, so a project whose URL is no
longer allowed fails its next run with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from conveyor import egress
from conveyor.config import Settings
from conveyor.errors import InvalidInput

NETWORK_SCHEMES = frozenset({"https", "ssh", "git", "git+ssh", "ssh+git"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_HELPER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")  # git's remote helpers: ext::<command>
_SCP_LIKE = re.compile(r"^(?:[^@/:]+@)?(\[[^\]]+\]|[^:/]+):")


@dataclass(frozen=True)
class RepoPolicy:
    roots: tuple[Path, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def of(cls, settings: Settings) -> RepoPolicy:
        roots = tuple(Path(root).resolve() for root in settings.allowed_repo_roots)
        return cls(roots, frozenset(host.lower() for host in settings.allowed_repo_hosts))


async def check_repo_url(url: str, policy: RepoPolicy) -> None:
    """Raise InvalidInput saying why ``url`` may not be cloned."""
    if url.startswith("-") or _HELPER.match(url) or any(ord(char) < 0x20 for char in url):
        raise InvalidInput(f"repoUrl {url!r} is not a repository URL")
    scheme = _SCHEME.match(url)
    if scheme:
        name = scheme.group(1).lower()
        if name == "file":
            _check_path(urlsplit(url).path, policy)
        elif name in NETWORK_SCHEMES:
            await _check_host(urlsplit(url).hostname or "", policy)
        else:
            raise InvalidInput(f"repoUrl: {name}:// is not allowed; use an https, ssh or git URL")
    elif url.startswith("/"):
        _check_path(url, policy)
    elif scp := _SCP_LIKE.match(url):
        await _check_host(scp.group(1).strip("[]"), policy)
    else:
        raise InvalidInput("repoUrl: use an https, ssh or git URL, or an absolute path")


def _check_path(path: str, policy: RepoPolicy) -> None:
    resolved = Path(path).resolve()
    if not any(resolved.is_relative_to(root) for root in policy.roots):
        raise InvalidInput(
            f"repoUrl: the local path {path} is not under a directory of CONVEYOR_ALLOWED_REPO_ROOTS"
            + ("" if policy.roots else " (none is set: local repositories are off)")
        )


async def check_api_url(url: str, policy: RepoPolicy, what: str) -> None:
    """Raise InvalidInput unless ``url`` is one Conveyor may send a token to: https to a host
    that is not internal, or http/https to a host listed in ``CONVEYOR_ALLOWED_REPO_HOSTS``."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or parts.username or parts.password or parts.query:
        raise InvalidInput(f"{what}: use an https URL without credentials or a query")
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and host not in policy.hosts:
        raise InvalidInput(
            f"{what}: a token is sent there, so use https (or list the host in CONVEYOR_ALLOWED_REPO_HOSTS)"
        )
    await _check_host(host, policy, what)


async def _check_host(host: str, policy: RepoPolicy, what: str = "repoUrl") -> None:
    if not host:
        raise InvalidInput(f"{what}: the URL names no host")
    if host.lower() in policy.hosts:
        return
    for address in await egress.resolve(host):
        if egress.is_internal(address):
            raise InvalidInput(
                f"{what}: {host} is an internal address ({address}); "
                "list the host in CONVEYOR_ALLOWED_REPO_HOSTS to allow it"
            )
