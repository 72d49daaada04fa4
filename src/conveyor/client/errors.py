"""What the client raises: one base class, an HTTP error and an authentication error."""

from __future__ import annotations


class ConveyorClientError(Exception):
    """Base of every error the Conveyor client raises."""


class ConveyorAPIError(ConveyorClientError):
    """The server answered a REST call with a 4xx or 5xx status."""

    def __init__(self, status: int, detail: str, *, method: str = "", path: str = "") -> None:
        super().__init__(f"{method} {path} -> {status}: {detail}".strip())
        self.status = status
        self.detail = detail
        self.method = method
        self.path = path


class ConveyorAuthError(ConveyorClientError):
    """The live stream was refused (``auth_error``) and the client could not recover."""

    def __init__(self, message: str) -> None:
        super().__init__(f"authentication failed: {message}")
        self.message = message


class ConveyorConnectionError(ConveyorClientError):
    """The live stream could not (re)connect within the allowed attempts."""
