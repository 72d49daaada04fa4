from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from conveyor.api.deps import CurrentPrincipal
from conveyor.debug import service
from conveyor.debug.schemas import ClassificationResult

router = APIRouter(prefix="/debug", tags=["debug"])


class ClassifyRequest(BaseModel):
    log: str


@router.post("/classify")
async def classify(body: ClassifyRequest, _: CurrentPrincipal) -> ClassificationResult:
    return await service.classify(body.log)
