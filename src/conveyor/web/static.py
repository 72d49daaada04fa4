"""Serves the built dashboard at ``/`` with a single-page-app fallback.

The dashboard is built by ``npm run build`` in ``web/`` into ``static/`` beside this module
(``scripts/bootstrap`` does it when npm is available). Client routes such as ``/pipelines``
get ``index.html``; the fallback lives in the 404 handler rather than in a catch-all route, so
it can never shadow a route, whatever order routes are added in, and paths of the API, the
socket and the probes keep their JSON 404.
"""

from __future__ import annotations

from pathlib import Path

import structlog
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

log = structlog.get_logger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
RESERVED_PREFIXES = ("/api", "/socket.io", "/ws", "/healthz", "/metrics", "/assets")
BUILD_HINT = "cd web && npm ci && npm run build   (or scripts/bootstrap)"
NOT_BUILT_PAGE = f"""<!doctype html><title>Conveyor</title>
<p>The Conveyor API is running, but the dashboard has not been built.</p>
<p>Build it with <code>{BUILD_HINT}</code> and restart the server.</p>
<p>API documentation: <a href="/api/v1/docs">/api/v1/docs</a></p>"""


def is_reserved(path: str) -> bool:
    return any(path == prefix or path.startswith(f"{prefix}/") for prefix in RESERVED_PREFIXES)


def mount_dashboard(api: FastAPI, static_dir: Path = STATIC_DIR) -> bool:
    """Serve the dashboard if it was built; return whether it was."""
    index = static_dir / "index.html"
    built = index.is_file()
    if built:
        api.mount("/assets", StaticFiles(directory=static_dir / "assets", check_dir=False), name="assets")
    else:
        log.info("dashboard not built: serving the API only", build_with=BUILD_HINT)

    async def spa_fallback(request: Request, exc: HTTPException) -> Response:
        path = request.url.path
        if request.method not in ("GET", "HEAD") or is_reserved(path) or (not built and path != "/"):
            return await http_exception_handler(request, exc)
        if not built:
            return HTMLResponse(NOT_BUILT_PAGE, status_code=404)
        asset = _file_in(static_dir, path)
        if asset is not None:
            return FileResponse(asset)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    api.add_exception_handler(404, spa_fallback)  # type: ignore[arg-type]
    return built


def _file_in(root: Path, path: str) -> Path | None:
    """A file of the build named by the URL path (favicon.ico, ...), never outside ``root``."""
    relative = path.lstrip("/")
    if not relative:
        return None
    candidate = (root / relative).resolve()
    if candidate.is_file() and candidate.is_relative_to(root.resolve()):
        return candidate
    return None
