from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from conveyor.api.deps import ContainerDep
from conveyor.db import Database
from conveyor.system.monitor import SystemMonitor


async def get_monitor(container: ContainerDep) -> SystemMonitor:
    return container.system


async def get_database(container: ContainerDep) -> Database:
    return container.db


MonitorDep = Annotated[SystemMonitor, Depends(get_monitor)]
DatabaseDep = Annotated[Database, Depends(get_database)]
