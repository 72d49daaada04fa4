"""``conveyor login`` and ``conveyor logout``: a server URL and an API token kept for the next commands."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import typer

from conveyor.cli import config
from conveyor.cli.remote import Remote, remote

if TYPE_CHECKING:
    from conveyor.client.api import ConveyorClient


@remote
def login_command(*, remote: Remote) -> None:
    """Sign in to a server; keep its URL and a new API token in your config directory (mode 0600)."""
    if remote.from_login or not (remote.token or remote.username):
        username = typer.prompt(f"Username on {remote.url}")
        password = typer.prompt(f"Password for {username}", hide_input=True)
        remote = Remote(remote.url, None, username, password)
    stored = remote.call(_token_for_the_cli)
    path = config.save({"url": remote.url, **stored})
    typer.echo(f"Signed in to {remote.url} as {stored['username']}; the token is kept in {path}.")


async def _token_for_the_cli(client: ConveyorClient) -> dict[str, Any]:
    """The given token if it works; after a password sign-in, a new API token named for this machine."""
    if client.can_relogin:
        await client.relogin()
        name = f"conveyor CLI on {socket.gethostname()}"[:100]
        created = await client.post("/auth/tokens", {"name": name})
        client_token, token_id = created["token"], created["id"]
    else:
        client_token, token_id = client.token, None
    me = await client.get("/auth/me")
    return {"token": client_token, "tokenId": token_id, "username": me["username"]}


def logout_command() -> None:
    """Revoke the API token `conveyor login` created and forget it and the server URL."""
    stored = config.load()
    if not stored:
        typer.echo("You are not signed in; there is nothing to forget.")
        return
    remote = Remote(stored.get("url") or "", stored.get("token"), None, None, True)
    revoked = ""
    if stored.get("tokenId"):
        try:
            remote.run(_revoke(remote, stored["tokenId"]))
            revoked = " and revoked its API token"
        except typer.Exit:
            revoked = " (its API token could not be revoked; do it with `conveyor tokens revoke`)"
    config.forget()
    typer.echo(f"Signed out of {stored.get('url')}{revoked}.")


async def _revoke(remote: Remote, token_id: str) -> None:
    async with remote.client() as client:
        await client.delete(f"/auth/tokens/{token_id}")
