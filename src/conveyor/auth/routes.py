from __future__ import annotations

from fastapi import APIRouter, Request, status

from conveyor.api.deps import (
    AdminPrincipal,
    BusDep,
    CodecDep,
    CurrentPrincipal,
    LoginThrottleDep,
    SessionDep,
)
from conveyor.auth import service
from conveyor.auth.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    LoginRequest,
    PasswordChange,
    RefreshRequest,
    TokenResponse,
    UserCreate,
    UserRead,
    UserUpdate,
)

router = APIRouter(tags=["auth"])


@router.post("/auth/login")
async def login(
    body: LoginRequest,
    request: Request,
    session: SessionDep,
    bus: BusDep,
    codec: CodecDep,
    throttle: LoginThrottleDep,
) -> TokenResponse:
    return await service.login(
        session=session,
        bus=bus,
        codec=codec,
        throttle=throttle,
        address=request.client.host if request.client else "unknown",
        username=body.username,
        password=body.password,
    )


@router.post("/auth/refresh")
async def refresh(body: RefreshRequest, session: SessionDep, codec: CodecDep) -> TokenResponse:
    """A new access token for the session of this refresh token (401 once it is signed out or lapsed)."""
    return await service.refresh(session=session, codec=codec, refresh_token=body.refresh_token)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, session: SessionDep, bus: BusDep) -> None:
    """Sign out: the refresh token stops working (access tokens already issued run out by themselves)."""
    await service.logout(session=session, bus=bus, refresh_token=body.refresh_token)


@router.get("/auth/me")
async def me(principal: CurrentPrincipal, session: SessionDep) -> UserRead:
    return UserRead.model_validate(await service.get_user(session, principal.user_id))


@router.post("/auth/password")
async def change_password(
    body: PasswordChange, principal: CurrentPrincipal, session: SessionDep, bus: BusDep, codec: CodecDep
) -> TokenResponse:
    """Change the caller's password: every earlier login stops working; here is a fresh one."""
    return await service.change_password(
        session=session,
        bus=bus,
        codec=codec,
        principal=principal,
        current=body.current_password,
        new=body.new_password,
    )


@router.get("/auth/tokens")
async def list_tokens(principal: CurrentPrincipal, session: SessionDep) -> list[ApiTokenRead]:
    return [ApiTokenRead.model_validate(t) for t in await service.list_api_tokens(session, principal)]


@router.post("/auth/tokens", status_code=status.HTTP_201_CREATED)
async def create_token(
    body: ApiTokenCreate, principal: CurrentPrincipal, session: SessionDep, bus: BusDep
) -> ApiTokenCreated:
    token, plaintext = await service.create_api_token(
        session=session, bus=bus, principal=principal, data=body
    )
    return ApiTokenCreated.model_validate(
        {**ApiTokenRead.model_validate(token).model_dump(), "token": plaintext}
    )


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: str, principal: CurrentPrincipal, session: SessionDep, bus: BusDep) -> None:
    await service.revoke_api_token(session=session, bus=bus, principal=principal, token_id=token_id)


@router.get("/users")
async def list_users(_: AdminPrincipal, session: SessionDep) -> list[UserRead]:
    return [UserRead.model_validate(u) for u in await service.list_users(session)]


@router.post("/users", status_code=status.HTTP_201_CREATED)
async def create_user(body: UserCreate, admin: AdminPrincipal, session: SessionDep, bus: BusDep) -> UserRead:
    return UserRead.model_validate(
        await service.create_user(session=session, bus=bus, data=body, actor=admin)
    )


@router.get("/users/{user_id}")
async def get_user(user_id: str, _: AdminPrincipal, session: SessionDep) -> UserRead:
    return UserRead.model_validate(await service.get_user(session, user_id))


@router.patch("/users/{user_id}")
async def update_user(
    user_id: str, body: UserUpdate, admin: AdminPrincipal, session: SessionDep, bus: BusDep
) -> UserRead:
    user = await service.update_user(session=session, bus=bus, user_id=user_id, data=body, actor=admin)
    return UserRead.model_validate(user)


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(user_id: str, admin: AdminPrincipal, session: SessionDep, bus: BusDep) -> None:
    await service.delete_user(session=session, bus=bus, user_id=user_id, actor=admin)
