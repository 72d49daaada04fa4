from __future__ import annotations

from pathlib import Path

from tests.support.pipelines import PipelineApi, completed, job_of, make_repo
from tests.support.server import RunningServer
from tests.support.sockets import event_names


async def test_push_to_completed_with_checkout_logs_and_events(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"hello.txt": "hello from the repo\n"})
    project = await api.project("demo", repo)
    pipeline = await api.pipeline(
        project,
        """
        name: ci
        jobs:
          build:
            steps:
              - name: Show
                run: cat hello.txt && echo "ref=$CI_COMMIT_REF_NAME"
        """,
    )
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    envelope = await completed(listener, execution_id)
    execution = envelope["data"]["execution"]
    assert execution["status"] == "success", execution
    assert envelope["priority"] == "MEDIUM"
    names = event_names(listener.received)
    assert names.index("pipeline_execution_started") < names.index("pipeline_execution_updated")
    lines = await api.log_text(execution_id, "build")
    assert "hello from the repo" in lines
    assert "ref=main" in lines
    assert job_of(execution, "build")["steps"][0]["status"] == "success"
    assert len(execution["commitSha"]) == 40
