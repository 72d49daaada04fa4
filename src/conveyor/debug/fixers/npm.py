"""``Cannot find module 'x'`` in Node: the package added to package.json's dependencies."""

from __future__ import annotations

import json
import re

from conveyor.debug.fixers.base import FixContext, Proposal
from conveyor.debug.schemas import PatchTarget

MISSING = re.compile(r"(?:Cannot find module|Can't resolve|Cannot find package) '([^'./][^']*)'")
NODE_BUILTINS = frozenset(
    [
        "assert",
        "buffer",
        "child_process",
        "cluster",
        "crypto",
        "dgram",
        "dns",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "querystring",
        "readline",
        "stream",
        "string_decoder",
        "timers",
        "tls",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "worker_threads",
        "zlib",
    ]
)


def package_of(specifier: str) -> str:
    parts = specifier.removeprefix("node:").split("/")
    return "/".join(parts[:2]) if specifier.startswith("@") else parts[0]


class NpmPackageFixer:
    name = "npm-package"

    async def propose(self, ctx: FixContext) -> Proposal | None:
        match = MISSING.search(ctx.log)
        manifest = ctx.repo_file("package.json")
        if match is None or manifest is None or match.group(1).startswith("node:"):
            return None
        package = package_of(match.group(1))
        if package in NODE_BUILTINS:
            return None
        try:
            data = json.loads(manifest.read_text())
        except ValueError:
            return None
        if not isinstance(data, dict) or package in data.get("dependencies", {}):
            return None
        data.setdefault("dependencies", {})[package] = "*"
        manifest.write_text(json.dumps(data, indent=2) + "\n")
        explanation = f"Node could not find the package {package}; added to package.json dependencies."
        return Proposal(self.name, PatchTarget.REPOSITORY, explanation, 0.7)
