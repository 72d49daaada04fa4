"""A development set of real CI logs from public datasets, rebuilt locally from our labels.

``data/external_labels.tsv`` holds only our own annotations: which dataset, file and line range
an excerpt is, its label, CI system and ecosystem. The excerpts it cuts are committed
as ``data/external_dev.jsonl`` (both datasets' licences allow it), so evaluation needs no download;
to rebuild that file, give a local copy of each dataset (a plain checkout or a git directory):

    python -m training.debug.external --out training/debug/data/external_dev.jsonl \\
        --dataset lacinoire/master-thesis=PATH --dataset labri-progress/cidiff=PATH

The datasets: lacinoire/master-thesis (Travis CI logs of 80 popular projects with the failure
reason marked, the forerunner of LogChunks; Unlicense) and labri-progress/cidiff (Jenkins and
GitHub Actions logs of failed Java and Go builds with the error lines marked; Apache-2.0).
This set was used to find detection gaps and write templates, so its score is a development
score, not an unseen one. It is not trained on: its whole-log windows of Travis builds are a
different shape from the excerpts people paste, and ``conveyor debug evaluate`` reports it as a
second held-out shape next to the untouched set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Final

LABELS_PATH: Final = Path(__file__).resolve().parent / "data" / "external_labels.tsv"
MAX_EXCERPT_CHARS: Final = 8000


def read_log(root: Path, path: str) -> str:
    """A file of a dataset copy: a checked-out file, else ``git show HEAD:path`` in a git directory."""
    checked_out = root / path
    if checked_out.is_file():
        raw = checked_out.read_bytes()
    else:
        raw = subprocess.run(
            ["git", "-C", str(root), "show", f"HEAD:{path}"], capture_output=True, check=True
        ).stdout
    return raw.decode("utf-8", "replace").replace("\r\n", "\n")


def excerpts(roots: dict[str, Path], labels: Path = LABELS_PATH) -> Iterator[dict[str, str]]:
    """The labelled excerpts of every dataset in ``roots`` (others are skipped)."""
    for line in labels.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        dataset, path, first, end, label, ci, ecosystem, project = line.split("\t")
        if dataset not in roots:
            continue
        lines = read_log(roots[dataset], path).split("\n")[int(first) : int(end)]
        yield {
            "label": label,
            "log": "\n".join(lines)[-MAX_EXCERPT_CHARS:],
            "source": f"https://github.com/{dataset}/blob/HEAD/{path}#L{int(first) + 1}-L{end}",
            "ci": ci,
            "ecosystem": ecosystem,
            "origin": f"dataset:{dataset}",
            "note": f"project {project}",
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--dataset", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    roots = {name: Path(path) for name, path in (item.split("=", 1) for item in args.dataset)}
    rows = list(excerpts(roots))
    args.out.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    print(f"wrote {len(rows)} excerpts to {args.out}")


if __name__ == "__main__":
    main()
