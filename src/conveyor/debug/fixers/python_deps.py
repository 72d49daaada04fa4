"""``ModuleNotFoundError``: the distribution that provides the module, added to the manifest the
project really uses (requirements file, pyproject dependencies, or the pipeline's pip install)."""

from __future__ import annotations

import re
import sys

from conveyor.debug.fixers.base import FixContext, Proposal
from conveyor.debug.schemas import PatchTarget

MISSING = re.compile(r"No module named '([A-Za-z_][\w.]*)'")
PIP_INSTALL = re.compile(r"\bpip3?\s+install\b[^\n\\]*$")
# Import names whose distribution is named differently.
DISTRIBUTIONS = {
    "yaml": "PyYAML",
    "cv2": "opencv-python",
    "PIL": "Pillow",
    "sklearn": "scikit-learn",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "PyJWT",
    "magic": "python-magic",
    "Crypto": "pycryptodome",
    "OpenSSL": "pyOpenSSL",
    "google.protobuf": "protobuf",
    "attr": "attrs",
    "serial": "pyserial",
    "usb": "pyusb",
    "git": "GitPython",
    "markdown": "Markdown",
    "docx": "python-docx",
    "slugify": "python-slugify",
    "multipart": "python-multipart",
    "zmq": "pyzmq",
    "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary",
}


def distribution_of(module: str) -> str:
    top = module.split(".")[0]
    return DISTRIBUTIONS.get(module, DISTRIBUTIONS.get(top, top.replace("_", "-")))


class PythonDependencyFixer:
    name = "python-dependency"

    async def propose(self, ctx: FixContext) -> Proposal | None:
        match = MISSING.search(ctx.log)
        if match is None:
            return None
        module = match.group(1)
        top = module.split(".")[0]
        if top in sys.stdlib_module_names or _is_local(ctx, top):
            return None
        dist = distribution_of(module)
        why = f"No module named {module!r}: the distribution {dist} provides it"
        if (manifest := _add_to_manifest(ctx, dist)) is not None:
            return Proposal(self.name, PatchTarget.REPOSITORY, f"{why}; added to {manifest}.", 0.8)
        if ctx.definition and (definition := _add_to_install_step(ctx.definition, dist)):
            return Proposal(
                self.name,
                PatchTarget.PIPELINE,
                f"{why}; added to the pipeline's pip install.",
                0.7,
                definition,
            )
        return None


def _is_local(ctx: FixContext, top: str) -> bool:
    if ctx.repo is None:
        return False
    roots = [ctx.repo, ctx.repo / "src"]
    return any((root / top).is_dir() or (root / f"{top}.py").is_file() for root in roots)


def _add_to_manifest(ctx: FixContext, dist: str) -> str | None:
    for name in ("requirements.txt", "requirements.in"):
        if path := ctx.repo_file(name):
            text = path.read_text()
            path.write_text(text + ("" if text.endswith("\n") or not text else "\n") + f"{dist}\n")
            return name
    pyproject = ctx.repo_file("pyproject.toml")
    if pyproject and (edited := _add_to_pyproject(pyproject.read_text(), dist)):
        pyproject.write_text(edited)
        return "pyproject.toml [project] dependencies"
    return None


def _add_to_pyproject(text: str, dist: str) -> str | None:
    lines = text.splitlines(keepends=True)
    section = ""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        if section != "[project]" or not re.match(r"dependencies\s*=\s*\[", stripped):
            continue
        if stripped.endswith("["):
            lines.insert(index + 1, f'    "{dist}",\n')
            return "".join(lines)
        inline = re.match(r"(dependencies\s*=\s*\[)(.*)\]\s*$", stripped)
        if inline:
            items = inline.group(2).strip().rstrip(",")
            lines[index] = f'{inline.group(1)}{items + ", " if items else ""}"{dist}"]\n'
            return "".join(lines)
    return None


def _add_to_install_step(definition: str, dist: str) -> str | None:
    lines = definition.splitlines(keepends=True)
    for index, line in enumerate(lines):
        body = line.rstrip("\n")
        if PIP_INSTALL.search(body) and not body.rstrip().endswith(("|", ">")):
            quote = body.rstrip()[-1] if body.rstrip()[-1:] in "'\"" else ""
            core = body.rstrip()[: -1 if quote else None]
            lines[index] = f"{core} {dist}{quote}\n"
            return "".join(lines)
    return None
