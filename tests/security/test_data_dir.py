"""The data directory (database, generated keys, workspaces) is readable by its owner only."""

from __future__ import annotations

import stat
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from tests.support.pipelines import PipelineApi, completed
from tests.support.server import RunningServer


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_data_directory_is_0700_and_its_files_0600(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]], tmp_path: Path
) -> None:
    data_dir = tmp_path / "open-data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    left_open = data_dir / "secrets_key"  # as an older version may have left it
    left_open.write_text("k" * 64)
    left_open.chmod(0o644)
    async with server_with(data_dir=data_dir, database_url=None, jwt_secret=None) as server:
        api = PipelineApi(server, await server.admin_token())
        project = await api.project("perms")
        pipeline = await api.pipeline(project, "jobs:\n  a:\n    steps: [{run: echo hi}]\n")
        listener = await server.authenticated_socket(api.token)
        await completed(listener, await api.start(pipeline["id"]))
        files = {path.name: mode(path) for path in data_dir.iterdir() if path.is_file()}
    assert mode(data_dir) == 0o700
    assert {"conveyor.db", "conveyor.db-wal", "jwt_secret", "secrets_key"} <= set(files), files
    assert set(files.values()) == {0o600}, files
