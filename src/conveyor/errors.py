"""Domain errors. Services raise these; the HTTP layer maps each to its status code."""

from __future__ import annotations


class ConveyorError(Exception):
    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(ConveyorError):
    status_code = 422


class Unauthorized(ConveyorError):
    status_code = 401


class Forbidden(ConveyorError):
    status_code = 403


class NotFound(ConveyorError):
    status_code = 404


class Conflict(ConveyorError):
    status_code = 409


class PayloadTooLarge(ConveyorError):
    status_code = 413


class TooManyRequests(ConveyorError):
    status_code = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
