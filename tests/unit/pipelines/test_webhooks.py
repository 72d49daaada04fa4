from __future__ import annotations

import pytest

from conveyor.pipelines.spec.model import PushTrigger
from conveyor.pipelines.webhooks import Push, push_matches


@pytest.mark.parametrize(
    ("branches", "tags", "ref", "expected"),
    [
        (None, None, "refs/heads/anything", True),
        (None, None, "refs/tags/v1", True),
        (["main"], None, "refs/heads/main", True),
        (["main"], None, "refs/heads/feature", False),
        (["release/*"], None, "refs/heads/release/1.0", True),
        (["release/*"], None, "refs/heads/release/1.0/hotfix", False),
        (["release/**"], None, "refs/heads/release/1.0/hotfix", True),
        (["main"], None, "refs/tags/v1", False),
        (None, ["v*"], "refs/tags/v1.2", True),
        (None, ["v*"], "refs/heads/main", False),
    ],
)
def test_push_filters_follow_github_globs(
    branches: list[str] | None, tags: list[str] | None, ref: str, expected: bool
) -> None:
    assert push_matches(PushTrigger(branches=branches, tags=tags), Push(ref, "a" * 40)) is expected
