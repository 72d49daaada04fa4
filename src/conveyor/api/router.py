"""All HTTP routes under /api/v1."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from conveyor.api.deps import refuse_nul_characters
from conveyor.api.flat import include_flat
from conveyor.architecture.routes import router as architecture_router
from conveyor.auth.routes import router as auth_router
from conveyor.channels.routes import router as webhooks_router
from conveyor.debug.routes import router as debug_router
from conveyor.events.routes import router as events_router
from conveyor.executions.routes import router as executions_router
from conveyor.forge.routes import badges_router
from conveyor.forge.routes import router as forge_router
from conveyor.notifications.routes import router as notifications_router
from conveyor.pipelines.routes import router as pipelines_router
from conveyor.projects.routes import router as projects_router
from conveyor.security.routes import router as security_router
from conveyor.system.routes import router as system_router
from conveyor.workers.routes import json_routes as workers_json_router
from conveyor.workers.routes import router as workers_router

API_PREFIX = "/api/v1"


class ErrorBody(BaseModel):
    """Every 4xx: a sentence, or (a request that does not fit the schema) the list of problems."""

    detail: str | list[dict[str, Any]] = Field(description="what is wrong")


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# Documented on every operation, so clients (and schemathesis) know their shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("The request cannot be acted on"),
    401: _error("Missing, expired or revoked token"),
    403: _error("The caller's role or token scope does not allow this"),
    404: _error("Not found, or not visible to the caller"),
    409: _error("Conflicts with the current state"),
    413: _error("The request body is larger than this route accepts"),
    422: _error("Invalid input: a sentence, or the list of schema problems"),
    429: _error("Too many attempts; see Retry-After"),
}

api_router = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
for router in (
    auth_router,
    projects_router,
    events_router,
    system_router,
    notifications_router,
    architecture_router,
    webhooks_router,
    pipelines_router,
    executions_router,
    forge_router,
    badges_router,
    security_router,
):
    include_flat(api_router, router, dependencies=[Depends(refuse_nul_characters)])
# Logs to classify are read, never stored, and the classifier refuses binary (NUL) itself,
# without a second pass over a body of up to 50 MB.
include_flat(api_router, debug_router)
# Its JSON routes refuse NUL characters themselves; an artifact upload is binary, streamed.
include_flat(api_router, workers_router)
include_flat(api_router, workers_json_router)
