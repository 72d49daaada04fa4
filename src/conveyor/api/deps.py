"""FastAPI dependencies: every route signature reads like a sentence.

They are ``async def`` even when they only read the container: FastAPI runs a plain ``def``
dependency in a worker thread, a thread hand-off per dependency and request. Those on every
request's path read the container from the request (``container_of``) rather than through
``ContainerDep``: FastAPI solves a dependency's own dependencies again wherever it is used, even
when its value is cached, so each ``ContainerDep`` below them was one more solving per use.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth import service as auth_service
from conveyor.auth.principal import Principal
from conveyor.auth.security import JwtCodec
from conveyor.auth.throttle import LoginThrottle
from conveyor.config import Settings
from conveyor.container import Container
from conveyor.db import Database
from conveyor.errors import Forbidden, InvalidInput, Unauthorized
from conveyor.events.bus import EventBus
from conveyor.events.store import Viewer
from conveyor.executions.executor import Executor
from conveyor.pipelines.repository import RepositoryMirrors
from conveyor.projects.access import load_access
from conveyor.projects.repos import RepoPolicy
from conveyor.projects.secrets import SecretCipher
from conveyor.security.runner import ScanRunner

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A JSON \u0000 escape that is not itself an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def get_container(request: Request) -> Container:
    return container_of(request)


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Reads get a plain session; writes also hold SQLite's single write slot."""
    db = container_of(request).db
    opener = db.session if request.method in READ_METHODS else db.write_session
    async with opener() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_bus(request: Request) -> EventBus:
    return container_of(request).bus


BusDep = Annotated[EventBus, Depends(get_bus)]


async def get_codec(container: ContainerDep) -> JwtCodec:
    return container.codec


CodecDep = Annotated[JwtCodec, Depends(get_codec)]


async def get_executor(container: ContainerDep) -> Executor:
    return container.pipelines.executor


ExecutorDep = Annotated[Executor, Depends(get_executor)]


async def get_scans(container: ContainerDep) -> ScanRunner:
    return container.scans


ScansDep = Annotated[ScanRunner, Depends(get_scans)]


async def get_cipher(container: ContainerDep) -> SecretCipher:
    return container.cipher


CipherDep = Annotated[SecretCipher, Depends(get_cipher)]


async def get_repo_policy(container: ContainerDep) -> RepoPolicy:
    return RepoPolicy.of(container.settings)


RepoPolicyDep = Annotated[RepoPolicy, Depends(get_repo_policy)]


async def get_login_throttle(container: ContainerDep) -> LoginThrottle:
    return container.logins


LoginThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]


async def get_database(container: ContainerDep) -> Database:
    """For responses that outlive the request's session (streamed downloads)."""
    return container.db


DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_settings(container: ContainerDep) -> Settings:
    return container.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_mirrors(container: ContainerDep) -> RepositoryMirrors:
    """Where projects' pipeline files are read at a commit."""
    return RepositoryMirrors.of(container.settings)


MirrorsDep = Annotated[RepositoryMirrors, Depends(get_mirrors)]

_bearer = HTTPBearer(auto_error=False, description="A JWT from /auth/login or an API token")


# Routes an API token may call with a scope other than ``api`` (which allows every route).
SCOPED_ROUTES = {("POST", "/api/v1/system/alerts"): "alerts:write"}


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("missing bearer token")
    container = container_of(request)
    token = credentials.credentials
    principal = container.principals.get(token)
    if principal is None:
        # A session of its own, not ``SessionDep``: a cached principal (nearly every request)
        # then costs no session, and a write request's session (SQLite's write slot) is not
        # taken before its caller is known.
        async with container.db.session() as session:
            principal = await auth_service.authenticate(session=session, codec=container.codec, token=token)
        container.principals.put(token, principal)
    scope = SCOPED_ROUTES.get((request.method, request.scope["path"].rstrip("/")), "api")
    if not principal.may_use(scope):
        raise Forbidden(f"this API token's scopes ({', '.join(sorted(principal.scopes))}) do not allow this")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.is_admin:
        raise Forbidden("this needs a global admin")
    return principal


AdminPrincipal = Annotated[Principal, Depends(get_admin)]


async def get_viewer(principal: CurrentPrincipal, session: SessionDep) -> Viewer:
    """What the caller may read of the event log, as of now."""
    return (await load_access(session, principal.user_id)).viewer


CurrentViewer = Annotated[Viewer, Depends(get_viewer)]


async def refuse_nul_characters(request: Request) -> None:
    """Text with NUL characters cannot be stored (PostgreSQL refuses it): refuse it up front, on
    every database, in the path, the query and a JSON body."""
    body = await request.body()
    if (
        "\x00" in request.scope["path"]
        or b"%00" in request.scope["query_string"]
        or b"\x00" in body
        or _JSON_NUL.search(body)
    ):
        raise InvalidInput("text may not contain NUL characters (\\u0000)")
