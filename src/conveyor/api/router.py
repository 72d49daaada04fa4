"""All HTTP routes under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from conveyor.api.deps import refuse_nul_characters
from conveyor.architecture.routes import router as architecture_router
from conveyor.auth.routes import router as auth_router
from conveyor.channels.routes import router as webhooks_router
from conveyor.debug.routes import router as debug_router
from conveyor.events.routes import router as events_router
from conveyor.executions.routes import router as executions_router
from conveyor.notifications.routes import router as notifications_router
from conveyor.pipelines.routes import router as pipelines_router
from conveyor.projects.routes import router as projects_router
from conveyor.security.routes import router as security_router
from conveyor.system.routes import router as system_router

API_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_PREFIX)
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
    security_router,
):
    api_router.include_router(router, dependencies=[Depends(refuse_nul_characters)])
# Logs to classify are read, never stored, and the classifier refuses binary (NUL) itself,
# without a second pass over a body of up to 50 MB.
api_router.include_router(debug_router)
