"""``conveyor serve`` and ``conveyor user create`` as real processes on the embedded default."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.processes import conveyor_env, server_process


def conveyor(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conveyor", *args],
        env={**conveyor_env(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def login(base_url: str, username: str, password: str) -> httpx.Response:
    return httpx.post(f"{base_url}/api/v1/auth/login", json={"username": username, "password": password})


def test_first_start_generates_the_admin_password_once_and_keeps_the_jwt_secret(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with server_process(data_dir, admin_password="") as base_url:
        printed = re.search(r"password: (\S+)", (data_dir / "server.log").read_text())
        assert printed, "the generated admin password is printed on first start"
        token = login(base_url, "admin", printed.group(1)).json()["access_token"]
    assert (data_dir / "conveyor.db").exists() and (data_dir / "jwt_secret").stat().st_mode & 0o077 == 0
    with server_process(data_dir, admin_password="") as base_url:
        assert "password:" not in (data_dir / "server.log").read_text()
        me = httpx.get(f"{base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, "a token survives a restart: the secret was kept"


def test_user_create_then_login(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    created = conveyor(
        "user", "create", "ops", "--admin", data_dir=data_dir, CONVEYOR_NEW_PASSWORD="ops-password-1"
    )
    assert created.returncode == 0, created.stderr
    assert '"username": "ops"' in created.stdout
    duplicate = conveyor("user", "create", "ops", data_dir=data_dir, CONVEYOR_NEW_PASSWORD="ops-password-2")
    assert duplicate.returncode == 2 and "taken" in duplicate.stderr
    short = conveyor("user", "create", "dev", data_dir=data_dir, CONVEYOR_NEW_PASSWORD="short")
    assert short.returncode != 0 and "at least 8" in short.stderr + short.stdout
    with server_process(data_dir) as base_url:
        response = login(base_url, "ops", "ops-password-1")
        assert response.status_code == 200


def test_serve_honours_host_and_port_and_help(tmp_path: Path) -> None:
    result = conveyor("serve", "--help", data_dir=tmp_path)
    assert result.returncode == 0 and "--host" in result.stdout and "--port" in result.stdout


def test_admin_reset_password_names_the_database_and_ends_the_old_password(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    missing = conveyor("admin", "reset-password", "ops", data_dir=data_dir, CONVEYOR_NEW_PASSWORD="x" * 12)
    assert missing.returncode == 2
    assert f"There is no database at {data_dir.resolve()}/conveyor.db" in missing.stderr
    created = conveyor("user", "create", "ops", data_dir=data_dir, CONVEYOR_NEW_PASSWORD="ops-password-1")
    database = f"sqlite+aiosqlite:///{data_dir.resolve()}/conveyor.db"
    assert f"Database: {database} (SQLite in CONVEYOR_DATA_DIR={data_dir})" in created.stderr
    assert "yet; creating it" in created.stderr
    ghost = conveyor("admin", "reset-password", "ghost", data_dir=data_dir, CONVEYOR_NEW_PASSWORD="x" * 12)
    assert ghost.returncode == 2 and "There is no user 'ghost' in this database." in ghost.stderr
    short = conveyor("admin", "reset-password", "ops", data_dir=data_dir, CONVEYOR_NEW_PASSWORD="short")
    assert (
        short.returncode == 2 and "at least 8 characters" in short.stderr and "Traceback" not in short.stderr
    )
    reset = conveyor(
        "admin", "reset-password", "ops", data_dir=data_dir, CONVEYOR_NEW_PASSWORD="ops-password-2"
    )
    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.strip() == "The password of ops is set; their dashboard sessions are signed out."
    with server_process(data_dir) as base_url:
        assert login(base_url, "ops", "ops-password-1").status_code == 401
        assert login(base_url, "ops", "ops-password-2").status_code == 200
