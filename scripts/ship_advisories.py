"""Rebuild the advisory snapshot shipped in the package from a checkout of the PyPA advisory
database: one zip of OSV JSON records (what osv.dev exports), its licence and where it came from.

usage: .venv/bin/python scripts/ship_advisories.py /path/to/pypa-advisory-database
"""

from __future__ import annotations

import json
import shutil
import sys
import zipfile
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parents[1] / "src/conveyor/security/data"


def main(source: Path) -> None:
    files = sorted((source / "vulns").rglob("*.yaml"))
    with zipfile.ZipFile(
        OUT / "pypa-advisory-database.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9
    ) as zf:
        for path in files:
            record = yaml.safe_load(path.read_text())
            info = zipfile.ZipInfo(f"{record['id']}.json", date_time=(2024, 10, 10, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, json.dumps(record, sort_keys=True, default=str, separators=(",", ":")))
    shutil.copy(source / "LICENSE", OUT / "pypa-advisory-database.LICENSE")
    shutil.copy(source / "SOURCE.md", OUT / "pypa-advisory-database.SOURCE.md")
    print(f"{len(files)} advisories -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
