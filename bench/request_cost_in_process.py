"""Cost of POST /api/v1/system/alerts inside the application, without uvicorn or a socket.

Builds the node's ASGI app (SQLite in a temporary directory, the timed loops hourly), starts its
lifespan, logs in as admin and calls the app directly with the alert POST: what the request
costs in Conveyor's stack (middleware, routing, dependencies, endpoint, database, publishing).
Under valgrind (``--callgrind``) the figure is instructions per request, with less run-to-run
spread than the server benchmark (no HTTP parser, no client, no kernel hand-offs); it starts in
2-5 minutes under valgrind. ``--profile FILE`` writes a cProfile of the timed requests.

    .venv/bin/python -m bench.request_cost_in_process [--requests 1000] [--profile out.prof]
    .venv/bin/python -m bench.request_cost_in_process --callgrind [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_request_cost import (
    ADMIN_PASSWORD,
    ALERT,
    TIMED_LOOPS,
    callgrind_control,
    dumped_instructions,
)

ALERT_BODY = json.dumps(ALERT).encode()
Headers = tuple[tuple[bytes, bytes], ...]


async def call(
    app: Any, method: str, path: str, body: bytes = b"", headers: Headers = ()
) -> tuple[int, bytes]:
    """One HTTP request through the ASGI app: its status and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(message.get("body", b"") for message in sent[1:])


class Lifespan:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.app({"type": "lifespan"}, self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": "lifespan.startup"})
        assert (await self.outbox.get())["type"] == "lifespan.startup.complete"

    async def stop(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        assert self.task is not None
        await self.task


async def measure(args: argparse.Namespace, dumps: Path | None) -> None:
    from conveyor.app import build
    from conveyor.config import Settings

    _, app = build(Settings())
    lifespan = Lifespan(app)
    await lifespan.start()
    login = json.dumps({"username": "admin", "password": ADMIN_PASSWORD}).encode()
    token = json.loads((await call(app, "POST", "/api/v1/auth/login", login))[1])["access_token"]
    auth = ((b"authorization", f"Bearer {token}".encode()),)

    async def post() -> None:
        status, body = await call(app, "POST", "/api/v1/system/alerts", ALERT_BODY, auth)
        assert status == 201, body

    for _ in range(100 if dumps is None else 20):
        await post()
    profile = cProfile.Profile() if args.profile else None
    if dumps is not None:
        callgrind_control("--zero", str(os.getpid()))
    started = time.process_time()
    if profile:
        profile.enable()
    for _ in range(args.requests):
        await post()
    if profile:
        profile.disable()
        profile.dump_stats(args.profile)
    cpu = time.process_time() - started
    if dumps is not None:
        callgrind_control("--dump", str(os.getpid()))
        per_request = dumped_instructions(dumps, str(os.getpid())) / args.requests
        print(f"POST /api/v1/system/alerts: {per_request / 1e6:.3f} M instructions")
    else:
        print(f"POST /api/v1/system/alerts: {cpu / args.requests * 1000:.3f} ms CPU (this process)")
    await lifespan.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument(
        "--callgrind", action="store_true", help="count instructions (runs itself under valgrind)"
    )
    parser.add_argument("--profile", help="write a cProfile of the timed requests to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        if args.callgrind and "CONVEYOR_BENCH_DUMPS" not in os.environ:
            command = [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={data_dir}/callgrind.%p",
                sys.executable,
                "-m",
                "bench.request_cost_in_process",
            ]
            env = os.environ | {"CONVEYOR_BENCH_DUMPS": data_dir}
            subprocess.run([*command, *sys.argv[1:]], check=True, env=env, stderr=subprocess.DEVNULL)
            return
        os.environ["CONVEYOR_DATA_DIR"] = data_dir
        os.environ["CONVEYOR_ADMIN_PASSWORD"] = ADMIN_PASSWORD
        os.environ.update({f"CONVEYOR_{loop}_INTERVAL_SECONDS": "3600" for loop in TIMED_LOOPS})
        inherited = os.environ.get("CONVEYOR_BENCH_DUMPS")
        asyncio.run(measure(args, Path(inherited) if inherited else None))


if __name__ == "__main__":
    main()
