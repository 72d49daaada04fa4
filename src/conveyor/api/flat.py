"""Including a router by copying its routes, so that a request is matched against one flat list.

FastAPI 0.165's ``include_router`` keeps the included router as a branch that every request
walks: each level recomputes its routes' version over the whole tree and matches twice (once to
choose the branch, once to handle it), about 8 % of the CPU of a cheap request with this API's
two levels of routers (bench/results/request_cost.md). ``include_flat`` adds a copy of each of
the router's routes to the parent instead, as ``include_router`` did before 0.165: the same
paths, dependencies, responses, tags and OpenAPI operations, matched in the same order.

The copies are ``PrefixedRoute``s: a request is matched against every route before its own (33
for an alert POST), and a path that does not start with a route's text up to its first parameter
is refused with one ``startswith``, not FastAPI's and Starlette's matching and regex.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, params
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope


class PrefixedRoute(APIRoute):
    """An API route that refuses, without its regex, a path outside its literal prefix: the
    regex starts with that text, so the answer (no match) is the same."""

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.literal_prefix = path.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and not get_route_path(scope).startswith(self.literal_prefix):
            return Match.NONE, {}
        return super().matches(scope)


def include_flat(
    parent: APIRouter,
    router: APIRouter,
    *,
    dependencies: Sequence[params.Depends] = (),
    responses: dict[int | str, dict[str, Any]] | None = None,
) -> None:
    """Add every route of ``router`` (already complete: later additions are not seen) to
    ``parent``, after ``dependencies`` and with ``responses`` under the route's own."""
    for route in router.routes:
        if (
            not isinstance(route, APIRoute)
            or type(route) not in (APIRoute, PrefixedRoute)
            or route.is_json_stream
            or route.is_sse_stream
        ):
            raise TypeError(f"only API routes that are not streams can be included flat, not {route!r}")
        parent.add_api_route(
            route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=list(route.tags),
            dependencies=[*dependencies, *route.dependencies],
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses={**(responses or {}), **route.responses},
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            route_class_override=PrefixedRoute,
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
            strict_content_type=route.strict_content_type,
            max_body_size=route.max_body_size,
        )
