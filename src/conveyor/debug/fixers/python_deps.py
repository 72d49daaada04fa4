"""``ModuleNotFoundError``: the distribution that provides the module, added to the manifest the
project really uses (requirements file, pyproject dependencies, or the pipeline's pip install)."""

from __future__ import annotations

import re
import sys

from conveyor.debug.fixers import manifests
from conveyor.debug.fixers.base import FixContext, Proposal
from conveyor.debug.fixers.manifests import Manifest
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
    "skimage": "scikit-image",
    "pkg_resources": "setuptools",
    "mpl_toolkits": "matplotlib",
    "fitz": "PyMuPDF",
    "nacl": "PyNaCl",
    "socks": "PySocks",
    "websocket": "websocket-client",
    "grpc": "grpcio",
    "dns": "dnspython",
    "jose": "python-jose",
    "ldap": "python-ldap",
    "kafka": "kafka-python",
    "github": "PyGithub",
    "gitlab": "python-gitlab",
    "telegram": "python-telegram-bot",
    "Bio": "biopython",
    "OpenGL": "PyOpenGL",
    "gi": "PyGObject",
    "cairo": "pycairo",
    "wx": "wxPython",
    "win32api": "pywin32",
    "win32con": "pywin32",
    "memcache": "python-memcached",
    "Levenshtein": "python-Levenshtein",
    "ruamel": "ruamel.yaml",
    "snappy": "python-snappy",
    "Xlib": "python-xlib",
    "sentry_sdk": "sentry-sdk",
    "google.cloud.storage": "google-cloud-storage",
    "google.cloud.bigquery": "google-cloud-bigquery",
}


def distribution_of(module: str) -> str:
    """The distribution that provides ``module``: the longest dotted prefix known, else its top name."""
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        if (known := DISTRIBUTIONS.get(".".join(parts[:length]))) is not None:
            return known
    return parts[0].replace("_", "-")


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
        for manifest in manifests_in_use(ctx):
            path = ctx.repo_file(manifest.path)
            if path is not None and (edited := manifest.edit(path.read_text(), dist)) is not None:
                path.write_text(edited)
                explanation = f"{why}; added to {manifest.describe}."
                return Proposal(self.name, PatchTarget.REPOSITORY, explanation, 0.8)
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


def manifests_in_use(ctx: FixContext) -> list[Manifest]:
    """The manifests to add a dependency to, most likely the one really installed first: the
    requirement files the pipeline or log installs (``pip install -r``), the package's own
    metadata when it installs the project (``pip install .``), then the root requirement files,
    then the package metadata."""
    commands = "\n".join(text for text in (ctx.definition, ctx.log) if text)
    installed = [
        Manifest(name, name, manifests.edit_requirements)
        for name in dict.fromkeys(manifests.REQUIREMENT_FILE.findall(commands))
    ]
    package = _package_manifests(ctx)
    roots = [Manifest(name, name, manifests.edit_requirements) for name in manifests.ROOT_REQUIREMENTS]
    if manifests.PROJECT_INSTALL.search(commands):
        return [*installed, *package, *roots]
    return [*installed, *roots, *package]


def _package_manifests(ctx: FixContext) -> list[Manifest]:
    """Where the package declares its runtime dependencies: pyproject.toml, setup.cfg, setup.py."""
    found: list[Manifest] = []
    pyproject = ctx.repo_file("pyproject.toml")
    kind = manifests.pyproject_kind(pyproject.read_text()) if pyproject else None
    if kind in ("project", "poetry"):
        table = "[project] dependencies" if kind == "project" else "[tool.poetry.dependencies]"
        return [Manifest("pyproject.toml", f"pyproject.toml {table}", manifests.edit_pyproject)]
    if kind == "dynamic" and pyproject is not None:
        found += [
            Manifest(name, f"{name} (pyproject's dynamic dependencies)", manifests.edit_requirements)
            for name in manifests.dynamic_dependency_files(pyproject.read_text())
        ]
    setup_py, setup_cfg = ctx.repo_file("setup.py"), ctx.repo_file("setup.cfg")
    in_setup_py = Manifest("setup.py", "setup.py install_requires", manifests.edit_setup_py)
    in_setup_cfg = Manifest("setup.cfg", "setup.cfg [options] install_requires", manifests.edit_setup_cfg)
    if setup_py and "install_requires" in setup_py.read_text():
        return [*found, in_setup_py]
    if setup_cfg and manifests.declares_options(setup_cfg.read_text()):
        return [*found, in_setup_cfg]
    return [*found, in_setup_py]


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
