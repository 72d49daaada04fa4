from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from conveyor.api.deps import CipherDep, CurrentPrincipal, SessionDep, SettingsDep
from conveyor.channels import service
from conveyor.channels.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead
from conveyor.projects.deps import ProjectAsMaintainer

router = APIRouter(prefix="/projects/{project_id}/webhooks", tags=["notifications"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_webhook(
    body: WebhookCreate,
    project: ProjectAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
) -> WebhookCreated:
    return await service.create_webhook(
        session=session, cipher=cipher, settings=settings, project_id=project.id, data=body, actor=principal
    )


@router.get("")
async def list_webhooks(project: ProjectAsMaintainer, session: SessionDep) -> list[WebhookRead]:
    return await service.list_webhooks(session, project_id=project.id)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(webhook_id: str, project: ProjectAsMaintainer, session: SessionDep) -> Response:
    await service.delete_webhook(session=session, project_id=project.id, webhook_id=webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries")
async def list_deliveries(
    webhook_id: str,
    project: ProjectAsMaintainer,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryRead]:
    return await service.list_deliveries(session, project_id=project.id, webhook_id=webhook_id, limit=limit)
