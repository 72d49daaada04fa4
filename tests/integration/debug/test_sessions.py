"""Debug sessions: opened by every failed execution and by hand, with errors, classification, events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.pipelines import PipelineApi, completed, make_repo
from tests.support.server import RunningServer
from tests.support.sockets import Listener

FAILING_IMPORT = """
name: ci
jobs:
  test:
    steps:
      - name: Install
        run: echo installing
      - name: Run
        run: python3 app/main.py
"""


def session_event(name: str, status: str | None = None) -> Any:
    def match(item: Any) -> bool:
        event, envelope = item
        return event == name and (status is None or envelope["data"]["session"]["status"] == status)

    return match


async def diagnosed(listener: Listener, timeout: float = 30) -> dict[str, Any]:
    _, envelope = await listener.next(session_event("debug_session_updated", "diagnosed"), timeout)
    session: dict[str, Any] = envelope["data"]["session"]
    return session


async def test_a_failed_execution_opens_a_diagnosed_session(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"app/main.py": "import os\nimport yaml_is_not_installed\n"})
    project = await api.project("broken", repo)
    pipeline = await api.pipeline(project, FAILING_IMPORT)
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "failed"
    _, created = await listener.next(session_event("debug_session_created"))
    assert created["data"]["session"]["status"] == "analyzing"
    assert created["project_id"] == project
    session = await diagnosed(listener)
    session_id = session["sessionId"]
    assert session["executionId"] == execution_id and session["projectId"] == project
    error = session["errors"][0]
    assert "yaml_is_not_installed" in error["message"]
    assert (error["file"], error["line"], error["job"], error["step"]) == ("app/main.py", 2, "test", "Run")
    assert error["logLine"] is not None
    assert session["classification"]["label"] == "dependency_missing"
    assert len(session["classification"]["top"]) == 3
    assert "dependency_missing" in session["explanation"] and "app/main.py:2" in session["explanation"]

    names = [name for name, _ in listener.received]
    assert names.index("debug_session_created") < names.index("debug_error_detected")
    assert names.index("debug_error_detected") < names.index("debug_ml_classification")
    classification = next(e for n, e in listener.received if n == "debug_ml_classification")["data"]
    assert classification["errorId"] == error["id"]
    assert classification["classifications"]["label"] == "dependency_missing"
    note = next(e for n, e in listener.received if n == "user_notification")["data"]["notification"]
    assert session_id in note["body"] and note["kind"] == "debug_session"

    assert await api.request("GET", f"/debug/sessions/{session_id}", 200) == session
    listed = await api.request("GET", "/debug/sessions", 200, params={"projectId": project})
    assert [s["sessionId"] for s in listed] == [session_id]
    by_execution = await api.request("GET", "/debug/sessions", 200, params={"executionId": execution_id})
    assert [s["sessionId"] for s in by_execution] == [session_id]
    again = await api.request("POST", "/debug/sessions", 201, json={"executionId": execution_id})
    assert again["sessionId"] == session_id, "one session per execution attempt"


async def test_a_successful_run_opens_no_session_and_cannot_get_one(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("fine")
    pipeline = await api.pipeline(project, "jobs:\n  ok:\n    steps: [{run: 'true'}]\n")
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "success"
    assert await api.request("GET", "/debug/sessions", 200, params={"projectId": project}) == []
    refused = await api.request("POST", "/debug/sessions", 409, json={"executionId": execution_id})
    assert "did not fail" in refused["detail"]


async def test_a_session_by_hand_from_a_log(server: RunningServer, api: PipelineApi) -> None:
    log = (
        'Traceback (most recent call last):\n  File "src/app.py", line 7, in <module>\n'
        "    import requests\nModuleNotFoundError: No module named 'requests'\n"
    )
    session = await api.request("POST", "/debug/sessions", 201, json={"log": log})
    assert session["status"] == "diagnosed" and session["projectId"] is None
    assert session["classification"]["label"] == "dependency_missing"
    assert session["errors"][0]["file"] == "src/app.py"
    mine = await api.request("GET", "/debug/sessions", 200)
    assert [s["sessionId"] for s in mine] == [session["sessionId"]]
    _, token = await server.create_user("stranger")
    stranger = PipelineApi(server, token)
    await stranger.request("GET", f"/debug/sessions/{session['sessionId']}", 404)
    assert await stranger.request("GET", "/debug/sessions", 200) == []


async def test_bad_logs_are_capped_or_refused_never_a_crash(server: RunningServer, api: PipelineApi) -> None:
    empty = await api.request("POST", "/debug/sessions", 201, json={"log": ""})
    assert empty["errors"] == [] and empty["classification"]["label"] is None
    assert "nothing to diagnose" in empty["explanation"]
    binary = "".join(chr(c) for c in range(1, 32)) * 200
    refused = await api.request("POST", "/debug/sessions", 422, json={"log": binary})
    assert "not text" in refused["detail"]
    huge = "x" * 50 * 1024 * 1024 + "\nModuleNotFoundError: No module named 'yaml'\n"
    capped = await api.request("POST", "/debug/sessions", 201, json={"log": huge})
    assert capped["classification"]["label"] == "dependency_missing"
    await api.request("POST", "/debug/sessions", 422, json={})
    await api.request("POST", "/debug/sessions", 404, json={"executionId": "nope"})
