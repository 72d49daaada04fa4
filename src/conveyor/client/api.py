"""``ConveyorClient``: the REST API and the live event stream, for scripts."""

from __future__ import annotations

import ssl
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from conveyor.client.errors import ConveyorAPIError, ConveyorConnectionError
from conveyor.client.models import Event, EventPage, EventSelection

if TYPE_CHECKING:
    from conveyor.client.stream import Backoff, EventStream

API_PREFIX = "/api/v1"


class ConveyorClient:
    """An async client of one Conveyor server.

    ``token`` is a login JWT or an API token (``cvy_...``). With ``username`` and ``password``
    (or after ``login()``) the client logs in again by itself when its JWT expires.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._credentials = (username, password) if username and password is not None else None
        # The system's trust store (and SSL_CERT_FILE / SSL_CERT_DIR), as the live stream's aiohttp uses,
        # so a server with a company CA or a self-signed certificate works once the system trusts it.
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout, verify=ssl.create_default_context()
        )
        self._streams: weakref.WeakSet[EventStream] = weakref.WeakSet()

    async def __aenter__(self) -> ConveyorClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        for stream in list(self._streams):
            await stream.aclose()
        await self._http.aclose()

    # Authentication ---------------------------------------------------------------------------

    @property
    def token(self) -> str | None:
        return self._token

    @property
    def can_relogin(self) -> bool:
        return self._credentials is not None

    async def login(self, username: str, password: str) -> str:
        """Log in, keep the JWT for later calls and the credentials to log in again."""
        body = {"username": username, "password": password}
        reply = await self._request("POST", "/auth/login", json=body, retry_login=False)
        self._token, self._credentials = reply["access_token"], (username, password)
        return str(self._token)

    async def relogin(self) -> str:
        if self._credentials is None:
            raise RuntimeError("no credentials to log in with")
        return await self.login(*self._credentials)

    # REST -------------------------------------------------------------------------------------

    async def get(self, path: str, *, params: dict[str, Any] | None = None) -> Any:
        return await self._request("GET", path, params=params)

    async def post(self, path: str, json: Any = None, *, params: dict[str, Any] | None = None) -> Any:
        return await self._request("POST", path, json=json, params=params)

    async def put(self, path: str, json: Any = None, *, params: dict[str, Any] | None = None) -> Any:
        return await self._request("PUT", path, json=json, params=params)

    async def patch(self, path: str, json: Any = None, *, params: dict[str, Any] | None = None) -> Any:
        return await self._request("PATCH", path, json=json, params=params)

    async def delete(self, path: str, *, params: dict[str, Any] | None = None) -> Any:
        return await self._request("DELETE", path, params=params)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        retry_login: bool = True,
    ) -> Any:
        """Send one call; on a 401 with credentials at hand, log in again and retry once."""
        url = api_path(path)
        if self._token is None and self._credentials is not None and retry_login:
            await self.relogin()
        response = await self._send(method, url, json, params)
        if response.status_code == 401 and retry_login and self._credentials is not None:
            await self.relogin()
            response = await self._send(method, url, json, params)
        return parsed(response)

    async def _send(self, method: str, url: str, json: Any, params: dict[str, Any] | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        try:
            return await self._http.request(method, url, json=json, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise ConveyorConnectionError(f"{method} {self.base_url}{url}: {exc!r}") from exc

    # Events -----------------------------------------------------------------------------------

    async def list_events(
        self,
        *,
        after_seq: int = 0,
        limit: int = 100,
        selection: EventSelection | None = None,
        latest: bool = False,
    ) -> EventPage:
        """One page of the event log (``GET /api/v1/events``); ``latest``: the newest ``limit``."""
        params: dict[str, Any] = {
            "afterSeq": after_seq,
            "limit": limit,
            **(selection or EventSelection()).query_params(),
        }
        if latest:
            params["latest"] = "true"
        page = await self.get("/events", params=params)
        events = [Event.from_envelope(e) for e in page["events"]]
        return EventPage(events, int(page["nextAfterSeq"]), page.get("oldestSeq"))

    async def event_log(
        self, *, after_seq: int = 0, page_size: int = 500, selection: EventSelection | None = None
    ) -> AsyncIterator[Event]:
        """Every logged event after ``after_seq`` up to the current head, page by page."""
        while True:
            page = await self.list_events(after_seq=after_seq, limit=page_size, selection=selection)
            for event in page.events:
                yield event
            if len(page.events) < page_size:
                return
            after_seq = page.next_after_seq

    def events(
        self,
        *,
        categories: Sequence[str] | None = None,
        event_types: Sequence[str] | None = None,
        project_ids: Sequence[str] | None = None,
        min_priority: str | None = None,
        after_seq: int | None = None,
        backoff: Backoff | None = None,
    ) -> EventStream:
        """Live events, reconnecting and resuming by ``seq``; from ``after_seq`` if given.

        Iterate with ``async for``; close with ``async with`` or ``aclose()`` (or ``close()``
        of this client). Raises ``ConveyorAuthError`` when the server refuses the token and
        no credentials can renew it, ``ValueError`` for an unknown category or event type.
        """
        selection = EventSelection(categories, event_types, project_ids, min_priority)
        return self.stream(selection, after_seq=after_seq, backoff=backoff)

    def stream(
        self, selection: EventSelection, *, after_seq: int | None = None, backoff: Backoff | None = None
    ) -> EventStream:
        """``events()`` for a selection built beforehand."""
        from conveyor.client.stream import EventStream  # Socket.IO and aiohttp: only when streaming

        stream = EventStream(self.base_url, self, selection=selection, after_seq=after_seq, backoff=backoff)
        self._streams.add(stream)
        return stream

    async def follow_events(
        self, handler: Callable[[Event], Awaitable[object] | object], **options: Any
    ) -> None:
        """Call ``handler`` (sync or async) for every live event until cancelled or failed.

        ``options`` are those of ``events()``.
        """
        async with self.events(**options) as stream:
            async for event in stream:
                outcome = handler(event)
                if isinstance(outcome, Awaitable):
                    await outcome


def api_path(path: str) -> str:
    """Paths are relative to ``/api/v1`` unless they already start with ``/api/``."""
    if path.startswith(("/api/", "http://", "https://")):
        return path
    return f"{API_PREFIX}/{path.lstrip('/')}"


def parsed(response: httpx.Response) -> Any:
    """The JSON body (``None`` when empty), or ``ConveyorAPIError`` for a 4xx/5xx status."""
    if response.is_error:
        raise ConveyorAPIError(
            response.status_code,
            _detail(response),
            method=response.request.method,
            path=response.request.url.path,
        )
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text or response.reason_phrase
    detail = body.get("detail", body) if isinstance(body, dict) else body
    return detail if isinstance(detail, str) else str(detail)
