"""``CurrentWorker``: the worker token a request of the worker API carries."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from conveyor.api.deps import DatabaseDep
from conveyor.errors import Unauthorized
from conveyor.workers import service
from conveyor.workers.models import WorkerToken

_bearer = HTTPBearer(auto_error=False, scheme_name="WorkerToken", description="A worker token (cvw_...)")


async def get_worker(
    db: DatabaseDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> WorkerToken:
    if credentials is None:
        raise Unauthorized("missing bearer token (a worker token, CONVEYOR_WORKER_TOKEN)")
    return await service.authenticate(db, credentials.credentials)


CurrentWorker = Annotated[WorkerToken, Depends(get_worker)]
