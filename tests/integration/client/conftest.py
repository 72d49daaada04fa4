from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from conveyor.client import ConveyorClient
from tests.support.server import RunningServer


@pytest.fixture
async def client(server: RunningServer) -> AsyncIterator[ConveyorClient]:
    """A client of the test server, holding the admin's JWT."""
    async with ConveyorClient(server.base_url, token=await server.admin_token()) as conveyor:
        yield conveyor
