from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path

from tests.support.pids import none_running, pid_in
from tests.support.pipelines import PipelineApi, completed, dedent
from tests.support.server import RunningServer

CONVEYOR = str(Path(sys.executable).with_name("conveyor"))


async def conveyor(*args: str, cwd: Path | None = None, timeout: float = 60) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        CONVEYOR,
        *args,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_run_executes_a_file_in_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / "input.txt").write_text("from the workspace\n")
    (tmp_path / "ok.yml").write_text(
        dedent(
            """
            jobs:
              first:
                steps:
                  - run: cat input.txt && echo made > output.txt
              second:
                needs: first
                steps:
                  - run: echo "second sees $(cat output.txt)"
            """
        )
    )
    code, out, _ = await conveyor("run", "ok.yml", cwd=tmp_path)
    assert code == 0, out
    assert "first | from the workspace" in out and "second | second sees made" in out
    assert out.index("first | from the workspace") < out.index("second | second sees made")
    assert "pipeline ok.yml: success" in out
    assert (tmp_path / "output.txt").read_text() == "made\n"


async def test_run_loads_a_later_domains_built_in_step_with_its_tables(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("import os\n")
    (tmp_path / "diagram.yml").write_text(
        "jobs:\n  a:\n    steps:\n      - uses: conveyor/architecture\n        with: {path: app}\n"
    )
    code, out, err = await conveyor("run", "diagram.yml", cwd=tmp_path)
    assert code == 0, out + err
    assert "conveyor/architecture" in out and "pipeline diagram.yml: success" in out


async def test_run_exits_with_the_pipeline_code(tmp_path: Path) -> None:
    (tmp_path / "fail.yml").write_text("jobs:\n  a:\n    steps: [{run: exit 3}]\n")
    (tmp_path / "slow.yml").write_text("jobs:\n  a:\n    timeout: 1\n    steps: [{run: sleep 20}]\n")
    (tmp_path / "bad.yml").write_text("jobs:\n  a:\n    stepz: []\n")
    assert (await conveyor("run", "fail.yml", cwd=tmp_path))[0] == 1
    assert (await conveyor("run", "slow.yml", cwd=tmp_path))[0] == 124
    code, _, err = await conveyor("run", "bad.yml", cwd=tmp_path)
    assert code == 2 and "line 3: jobs.a.stepz: unknown key 'stepz'" in err


async def test_run_stops_its_jobs_on_ctrl_c(tmp_path: Path) -> None:
    token = uuid.uuid4().hex
    step = f"bash -c ''sleep 60; : {token}'' & echo $! > pid; wait"  # '' is ' in single-quoted YAML
    (tmp_path / "hang.yml").write_text(f"jobs:\n  a:\n    steps: [{{run: '{step}'}}]\n")
    process = await asyncio.create_subprocess_exec(
        CONVEYOR,
        "run",
        "hang.yml",
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await pid_in(tmp_path / "pid", within=30)
    process.send_signal(signal.SIGINT)
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 130, out.decode()
    assert "pipeline hang.yml: cancelled" in out.decode()
    assert await none_running(token)


async def test_executions_logs_follow_and_cancel(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("cli")
    talk = "for i in $(seq 1 30); do echo line-$i; sleep 0.03; done"
    pipeline = await api.pipeline(project, f"jobs:\n  talk:\n    steps:\n      - run: {talk}\n")
    hang = await api.pipeline(project, "jobs:\n  hang:\n    steps: [{run: sleep 300}]\n", name="hang")
    server_args = ["--url", server.base_url, "--token", api.token]
    listener = await server.authenticated_socket(api.token)

    code, out, err = await conveyor("executions", "start", pipeline["id"], *server_args)
    assert code == 0, err
    execution_id = out.strip()
    assert (await api.execution(execution_id))["pipelineId"] == pipeline["id"]
    code, out, err = await conveyor("executions", "logs", "-f", execution_id, *server_args)
    assert code == 0, err
    *logs, closing = out.splitlines()
    assert [line.split(" | ")[1] for line in logs] == [f"line-{i}" for i in range(1, 31)]
    assert closing.startswith(f"Execution {execution_id} (#1) success in ")

    hung = await api.start(hang["id"])
    await listener.next(
        lambda item: (
            item[0] == "pipeline_execution_updated" and item[1]["data"]["execution"]["status"] == "running"
        )
    )
    code, out, _ = await conveyor("executions", "cancel", hung, *server_args)
    assert code == 0 and out.startswith(f"Cancel requested for {hung}")
    assert (await completed(listener, hung))["data"]["execution"]["status"] == "cancelled"
    code, _, err = await conveyor("executions", "cancel", hung, *server_args)
    assert code == 2 and "already ended" in err
