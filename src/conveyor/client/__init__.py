"""Python client for scripts: the REST API and the live event stream of a Conveyor server.

```python
async with ConveyorClient("http://127.0.0.1:8000", token=token) as conveyor:
    async for event in conveyor.events(categories=["SYSTEM"]):
        print(event.seq, event.event_type, event.data)
```
"""

from typing import TYPE_CHECKING, Any

from conveyor.client.api import ConveyorClient
from conveyor.client.errors import (
    ConveyorAPIError,
    ConveyorAuthError,
    ConveyorClientError,
    ConveyorConnectionError,
)
from conveyor.client.models import Event, EventPage, EventSelection

if TYPE_CHECKING:
    from conveyor.client.stream import Backoff, EventStream

__all__ = [
    "Backoff",
    "ConveyorAPIError",
    "ConveyorAuthError",
    "ConveyorClient",
    "ConveyorClientError",
    "ConveyorConnectionError",
    "Event",
    "EventPage",
    "EventSelection",
    "EventStream",
]


def __getattr__(name: str) -> Any:
    """The stream (Socket.IO, aiohttp) is imported on first use, so REST-only commands start fast."""
    if name in ("Backoff", "EventStream"):
        from conveyor.client import stream

        return getattr(stream, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
