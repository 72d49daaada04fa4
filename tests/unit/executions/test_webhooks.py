from __future__ import annotations

import pytest

from conveyor.executions.webhooks import Push, push_matches
from conveyor.pipelines.spec.model import PushTrigger


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


def trigger(**filters: list[str]) -> PushTrigger:
    return PushTrigger.model_validate({name.replace("_", "-"): value for name, value in filters.items()})


@pytest.mark.parametrize(
    ("filters", "ref", "expected"),
    [
        ({"branches_ignore": ["dependabot/**"]}, "refs/heads/main", True),
        ({"branches_ignore": ["dependabot/**"]}, "refs/heads/dependabot/npm/x", False),
        ({"branches_ignore": ["dependabot/**"]}, "refs/tags/v1", False),  # a branch filter alone
        ({"branches": ["release/**", "!release/**-alpha"]}, "refs/heads/release/2-alpha", False),
        ({"branches": ["release/**", "!release/**-alpha"]}, "refs/heads/release/2", True),
        ({"branches": ["!main", "*"]}, "refs/heads/main", True),  # the last match decides
        ({"tags_ignore": ["*-rc*"]}, "refs/tags/v2-rc1", False),
        ({"tags_ignore": ["*-rc*"]}, "refs/tags/v2", True),
        ({"paths": ["src/**"]}, "refs/tags/v2", True),  # paths are not looked at for tags
    ],
)
def test_ignore_and_negated_filters(filters: dict[str, list[str]], ref: str, expected: bool) -> None:
    assert push_matches(trigger(**filters), Push(ref, "a" * 40)) is expected


@pytest.mark.parametrize(
    ("filters", "changed", "expected"),
    [
        ({"paths": ["src/**", "pyproject.toml"]}, {"src/a/b.py", "README.md"}, True),
        ({"paths": ["src/**"]}, {"docs/index.md"}, False),
        ({"paths": ["src/**", "!src/**/*.md"]}, {"src/notes.md"}, False),
        ({"paths_ignore": ["docs/**", "*.md"]}, {"docs/a.md", "README.md"}, False),
        ({"paths_ignore": ["docs/**"]}, {"docs/a.md", "src/x.py"}, True),
        ({"paths": ["src/**"]}, None, True),  # files not listed: run rather than miss a change
        ({"branches": ["main"], "paths": ["src/**"]}, {"src/x.py"}, True),
        ({"branches": ["dev"], "paths": ["src/**"]}, {"src/x.py"}, False),
    ],
)
def test_path_filters(filters: dict[str, list[str]], changed: set[str] | None, expected: bool) -> None:
    push = Push("refs/heads/main", "a" * 40, None if changed is None else frozenset(changed))
    assert push_matches(trigger(**filters), push) is expected


def test_a_filter_and_its_ignore_form_are_not_both_allowed() -> None:
    with pytest.raises(ValueError, match="either 'paths' or 'paths-ignore'"):
        trigger(paths=["a"], paths_ignore=["b"])
