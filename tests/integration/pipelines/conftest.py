from __future__ import annotations

import pytest

from tests.support.pipelines import PipelineApi
from tests.support.server import RunningServer


@pytest.fixture
async def api(server: RunningServer) -> PipelineApi:
    return PipelineApi(server, await server.admin_token())
