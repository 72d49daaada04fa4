"""The built dashboard is served at / with an SPA fallback that never shadows the API."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from conveyor.web.static import mount_dashboard

INDEX = "<!doctype html><div id=root></div>"


def build(static: Path, *, built: bool = True) -> FastAPI:
    if built:
        (static / "assets").mkdir(parents=True)
        (static / "index.html").write_text(INDEX)
        (static / "assets" / "app-1234.js").write_text("console.log(1)")
        (static / "favicon.ico").write_bytes(b"icon")
    api = FastAPI()

    @api.get("/api/v1/things")
    async def things() -> list[str]:
        return ["a"]

    @api.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    mount_dashboard(api, static)

    @api.get("/metrics")  # added after the dashboard: still reachable
    async def metrics() -> str:
        return "up 1"

    return api


def client(api: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://test")


@pytest.mark.parametrize("path", ["/", "/pipelines", "/executions/abc", "/projects/x/y?z=1"])
async def test_client_routes_get_the_dashboard(tmp_path: Path, path: str) -> None:
    async with client(build(tmp_path)) as http:
        response = await http.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"


async def test_assets_and_root_files_are_served(tmp_path: Path) -> None:
    async with client(build(tmp_path)) as http:
        assert (await http.get("/assets/app-1234.js")).text == "console.log(1)"
        assert (await http.get("/favicon.ico")).content == b"icon"
        missing = await http.get("/assets/gone.js")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing", "/api", "/socket.io/", "/ws", "/ws/x", "/healthz/x", "/metrics/x"]
)
async def test_api_socket_and_probe_paths_are_never_the_dashboard(tmp_path: Path, path: str) -> None:
    async with client(build(tmp_path)) as http:
        response = await http.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


async def test_routes_keep_working_whatever_their_order(tmp_path: Path) -> None:
    async with client(build(tmp_path)) as http:
        assert (await http.get("/api/v1/things")).json() == ["a"]
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        assert (await http.get("/metrics")).json() == "up 1"
        assert (await http.post("/pipelines")).status_code == 404


async def test_no_file_outside_the_build_is_served(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    static = tmp_path / "static"
    async with client(build(static)) as http:
        response = await http.get("/..%2Fsecret.txt")
    assert "secret" not in response.text


async def test_without_a_build_the_api_still_works_and_says_how_to_build(tmp_path: Path) -> None:
    async with client(build(tmp_path, built=False)) as http:
        root = await http.get("/")
        other = await http.get("/pipelines")
        things = await http.get("/api/v1/things")
    assert root.status_code == 404
    assert "npm run build" in root.text
    assert other.json() == {"detail": "Not Found"}
    assert things.json() == ["a"]
