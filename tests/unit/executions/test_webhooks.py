from __future__ import annotations

import pytest

from conveyor.errors import InvalidInput
from conveyor.executions.service import PullRequestRun
from conveyor.executions.webhooks import PullRequest, Push, pull_request_matches, push_matches
from conveyor.pipelines.spec import parse_definition
from conveyor.pipelines.spec.model import PullRequestAction, PullRequestTrigger, PushTrigger


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


def pull(action: PullRequestAction, base: str) -> PullRequest:
    run = PullRequestRun(number=1, title="t", base_ref=base, head_ref="topic", from_fork=False)
    return PullRequest(action, "refs/pull/1/head", "a" * 40, run)


@pytest.mark.parametrize(
    ("on", "action", "base", "expected"),
    [
        ({}, PullRequestAction.OPENED, "anything", True),
        ({}, PullRequestAction.REOPENED, "anything", True),
        ({"branches": ["main"]}, PullRequestAction.SYNCHRONIZE, "main", True),
        ({"branches": ["main"]}, PullRequestAction.OPENED, "develop", False),
        ({"branches": ["release/**", "!release/old/*"]}, PullRequestAction.OPENED, "release/old/1", False),
        ({"branches-ignore": ["gh-pages"]}, PullRequestAction.OPENED, "gh-pages", False),
        ({"types": ["opened"]}, PullRequestAction.SYNCHRONIZE, "main", False),
        ({"types": "synchronize"}, PullRequestAction.SYNCHRONIZE, "main", True),
    ],
)
def test_pull_request_filters_look_at_the_base_branch_and_the_action(
    on: dict[str, object], action: PullRequestAction, base: str, expected: bool
) -> None:
    assert pull_request_matches(PullRequestTrigger.model_validate(on), pull(action, base)) is expected


@pytest.mark.parametrize(
    ("on", "problem"),
    [
        ("pull_request:\n    types: [closed]", "line 3: on.pull_request.types[0]: Input should be 'opened'"),
        ("pull_request:\n    branches: [a]\n    branches-ignore: [b]", "line 2: on.pull_request: use either"),
        ("pull_request:\n    paths: [src]", "line 3: on.pull_request.paths: unknown key 'paths'"),
    ],
)
def test_bad_pull_request_triggers_are_refused_with_their_line(on: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_definition(f"on:\n  {on}\njobs:\n  a:\n    steps: [{{run: 'true'}}]\n")
    assert problem in refused.value.detail
