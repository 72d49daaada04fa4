from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conveyor.config import Settings
from tests.support.pids import gone, holding
from tests.support.pipelines import PipelineApi, completed, job_of
from tests.support.processes import conveyor_env, free_port
from tests.support.server import RunningServer
from tests.support.sockets import Listener

CONVEYOR = str(Path(sys.executable).with_name("conveyor"))


class ServerProcess:
    """``conveyor serve`` as a real process, so that it can be killed."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = conveyor_env(
            settings.data_dir,
            database_url=settings.resolved_database_url,
            jwt_secret=str(settings.jwt_secret),
            sandbox=settings.sandbox,
        )
        self.process = subprocess.Popen(
            [CONVEYOR, "serve", "--port", str(self.port)],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(base_url=self.url) as client:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, "server exited during start-up"
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


@pytest.fixture
def servers(settings: Settings, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


async def step_running(api: PipelineApi, execution_id: str, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if job_of(await api.execution(execution_id), "long")["steps"][0]["status"] == "running":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the step was never reported running")


async def test_a_killed_server_fails_orphaned_jobs_at_restart_and_goes_on(
    settings: Settings, servers: list[ServerProcess], tmp_path: Path
) -> None:
    first = ServerProcess(settings, tmp_path / "server.log")
    servers.append(first)
    await first.ready()
    running = RunningServer(first.url, None, settings)  # type: ignore[arg-type]
    api = PipelineApi(running, await running.admin_token())
    project = await api.project("recovery")
    command = holding()
    pipeline = await api.pipeline(
        project,
        f"""
        jobs:
          long:
            steps: [{{run: "{command.run}"}}]
          report:
            needs: long
            if: always()
            steps: [{{run: echo reported}}]
        """,
    )
    execution_id = await api.start(pipeline["id"])
    sleeper = await command.pid(within=30)
    await step_running(api, execution_id)
    first.kill()
    assert await gone(sleeper), "a job's processes die with the server that ran them"

    second = ServerProcess(settings, tmp_path / "server.log")
    servers.append(second)
    await second.ready()
    listener = Listener(second.url)
    await listener.connect()
    try:
        assert (await listener.authenticate(api.token, lastSeq=0))[0] == "authenticated"
        envelope = await completed(listener, execution_id)
    finally:
        await listener.close()
    execution = envelope["data"]["execution"]
    assert execution["status"] == "failed" and envelope["priority"] == "HIGH"
    long = job_of(execution, "long")
    assert long["status"] == "failed"
    assert long["error"] == "runner lost: the server stopped while the job ran"
    assert long["steps"][0]["status"] == "failed"
    assert job_of(execution, "report")["status"] == "success", "the rest of the DAG resumes"
