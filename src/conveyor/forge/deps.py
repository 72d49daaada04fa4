from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from conveyor.api.deps import _bearer, get_principal
from conveyor.auth.principal import Principal


async def get_reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller when a token is given (it must then be valid), else None: anyone."""
    if credentials is None:
        return None
    return await get_principal(request, credentials)


OptionalReader = Annotated[Principal | None, Depends(get_reader)]
