"""Load the corpus templates from ``data/templates/<label>.tmpl``.

File format: comment lines start with ``# `` before the first template; each
template starts with ``### `` followed by a JSON header (``ecosystem``, ``command``
and optionally ``ci``, ``exit_code``, ``footer``), then the excerpt text with
``{placeholders}`` filled from ``fake.context`` (literal braces are doubled).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from conveyor.debug.schemas import LABELS
from training.debug.corpus.template import Template

TEMPLATE_DIR: Final = Path(__file__).resolve().parent.parent / "data" / "templates"
HEADER_PREFIX: Final = "### "


def load_templates(directory: Path = TEMPLATE_DIR) -> dict[str, tuple[Template, ...]]:
    """Templates per label, in file order."""
    return {
        label: parse_templates(label, (directory / f"{label}.tmpl").read_text("utf-8")) for label in LABELS
    }


def parse_templates(label: str, source: str) -> tuple[Template, ...]:
    templates: list[Template] = []
    header: dict[str, object] | None = None
    body: list[str] = []
    for line in source.splitlines():
        if line.startswith(HEADER_PREFIX):
            if header is not None:
                templates.append(_template(label, header, body))
            header, body = json.loads(line[len(HEADER_PREFIX) :]), []
        elif header is not None:
            body.append(line)
    if header is not None:
        templates.append(_template(label, header, body))
    return tuple(templates)


def _template(label: str, header: dict[str, object], body: list[str]) -> Template:
    ci = header.get("ci")
    exit_code = header.get("exit_code", 1)
    return Template(
        label=label,
        ecosystem=str(header["ecosystem"]),
        command=str(header["command"]),
        text="\n".join(body),
        ci=str(ci) if ci is not None else None,
        exit_code=int(exit_code) if isinstance(exit_code, int) else None,
        footer=bool(header.get("footer", True)),
    )
