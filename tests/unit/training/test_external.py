from __future__ import annotations

import subprocess
from pathlib import Path

from conveyor.debug.schemas import LABELS
from training.debug.external import LABELS_PATH, excerpts


def _labels(tmp_path: Path) -> Path:
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        "# dataset\tpath\tfirst_line\tend_line\tlabel\tci\tecosystem\tproject\n"
        "org/logs\tjobs/1.log\t1\t3\tnetwork\ttravis\tgo\torg@app\n"
        "org/other\tx.log\t0\t1\ttimeout\ttravis\tgo\torg@app\n",
        encoding="utf-8",
    )
    return labels


def test_excerpts_are_cut_from_a_checked_out_dataset(tmp_path: Path) -> None:
    (tmp_path / "data" / "jobs").mkdir(parents=True)
    (tmp_path / "data" / "jobs" / "1.log").write_text("a\nb\r\nc\nd\n", encoding="utf-8")
    rows = list(excerpts({"org/logs": tmp_path / "data"}, _labels(tmp_path)))
    assert [(row["log"], row["label"]) for row in rows] == [("b\nc", "network")]
    assert rows[0]["source"] == "https://github.com/org/logs/blob/HEAD/jobs/1.log#L2-L3"


def test_excerpts_are_read_from_a_git_directory(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "jobs").mkdir(parents=True)
    (repo / "jobs" / "1.log").write_text("a\nb\nc\n", encoding="utf-8")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "logs"], check=True)
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    rows = list(excerpts({"org/logs": bare}, _labels(tmp_path)))
    assert [row["log"] for row in rows] == ["b\nc"]


def test_the_committed_labels_are_well_formed() -> None:
    rows = [line.split("\t") for line in LABELS_PATH.read_text().splitlines() if not line.startswith("#")]
    assert len(rows) >= 150
    assert all(len(row) == 8 and row[4] in LABELS and int(row[2]) < int(row[3]) for row in rows)
