"""The LLM fixer against a local server speaking the OpenAI chat completions protocol."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from conveyor.debug.analysis import diagnose_log
from conveyor.debug.fixers import FixContext
from conveyor.debug.fixers.llm import LlmFixer
from conveyor.debug.patches import Candidate, generate
from tests.support.llm import fake_llm
from tests.support.pipelines import make_repo

LOG = (
    'Traceback (most recent call last):\n  File "app/calc.py", line 2, in <module>\n'
    "    print(total(3))\nNameError: name 'total' is not defined\n"
)
GOOD = """The function is called `sum_to`, not `total`.

```diff
--- a/app/calc.py
+++ b/app/calc.py
@@ -1,2 +1,2 @@
 def sum_to(n): return n * (n + 1) // 2
-print(total(3))
+print(sum_to(3))
```
"""


async def run(tmp_path: Path, url: str, timeout: float = 5) -> tuple[list[Candidate], Path]:
    repo = make_repo(
        tmp_path / "r", {"app/calc.py": "def sum_to(n): return n * (n + 1) // 2\nprint(total(3))\n"}
    )
    diagnosis = await diagnose_log(LOG)
    ctx = FixContext(diagnosis.result.label, diagnosis.errors, diagnosis.log, repo, None)
    return await generate(
        ctx, [LlmFixer(url, "test-model", "sk-test-key-0123456789abcdefghij", timeout)]
    ), repo


async def test_a_diff_that_applies_is_offered(tmp_path: Path) -> None:
    async with fake_llm(lambda _: GOOD) as llm:
        [patch], repo = await run(tmp_path, llm.url)
    assert patch.proposal.fixer == "llm" and patch.files == ["app/calc.py"]
    assert "+print(sum_to(3))\n" in patch.diff and "sum_to" in patch.proposal.explanation
    [request] = llm.requests
    assert request["model"] == "test-model" and request["messages"][0]["role"] == "system"
    prompt = request["messages"][1]["content"]
    assert "NameError" in prompt and "print(total(3))" in prompt, "the error and the file it names"
    assert llm.headers[0]["Authorization"] == "Bearer sk-test-key-0123456789abcdefghij"
    assert (repo / "app/calc.py").read_text().endswith("print(total(3))\n")


@pytest.mark.parametrize(
    "answer",
    [
        "I am not sure what is wrong here.",
        GOOD.replace("-print(total(3))", "-print(total(4))"),
        GOOD.replace("app/calc.py", "../outside.py"),
        GOOD.replace("app/calc.py", ".git/config"),
    ],
    ids=["no-diff", "does-not-apply", "outside", "git-dir"],
)
async def test_nonsense_gives_no_patch(tmp_path: Path, answer: str) -> None:
    async with fake_llm(lambda _: answer) as llm:
        found, repo = await run(tmp_path, llm.url)
    assert found == [] and len(llm.requests) == 1
    assert git_status(repo) == ""


async def test_a_body_that_is_not_a_completion_gives_no_patch(tmp_path: Path) -> None:
    async with fake_llm(lambda _: '{"error": "overloaded"}', raw=True) as llm:
        found, _ = await run(tmp_path, llm.url)
    assert found == [] and llm.requests


async def test_a_slow_endpoint_times_out(tmp_path: Path) -> None:
    async with fake_llm(lambda _: None) as llm:
        started = time.monotonic()
        found, _ = await run(tmp_path, llm.url, timeout=0.5)
    assert found == [] and time.monotonic() - started < 5


async def test_an_endpoint_that_is_down_gives_no_patch(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    found, _ = await run(tmp_path, f"http://127.0.0.1:{port}/v1")
    assert found == []


def git_status(repo: Path) -> str:
    import subprocess

    return subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
