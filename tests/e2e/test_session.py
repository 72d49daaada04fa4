"""Sessions in a real browser: a refused access token is renewed with the refresh token and the
request sent again (the dashboard stays signed in); signing out revokes the refresh token; a
session that cannot be renewed ends on the sign-in page with a sentence saying why."""

from __future__ import annotations

import pytest

from tests.e2e.test_dashboard import Browser, browser, database_url, sign_in
from tests.support.server import RunningServer

pytestmark = pytest.mark.browser
__all__ = ["browser", "database_url"]  # fixtures shared with test_dashboard.py

SESSION = "JSON.parse(sessionStorage.getItem('conveyor.session'))"


def spoil(field: str) -> str:
    spoiled = f"JSON.stringify({{...s, {field}: 'spoiled'}})"
    return f"(s => sessionStorage.setItem('conveyor.session', {spoiled}))({SESSION})"


async def test_the_dashboard_renews_its_session_and_sign_out_revokes_it(
    server: RunningServer, browser: Browser
) -> None:
    await sign_in(browser, server, "/")
    first = await browser.call("evaluate", expression=SESSION)
    assert first["refreshToken"].startswith("cvr_")

    # A refused access token: renewed, the request sent again, still signed in.
    await browser.call("evaluate", expression=spoil("token"))
    await browser.call("goto", url=f"{server.base_url}/pipelines")  # every request, and the socket
    await browser.see("[data-testid=connection-status]", "Live")
    await browser.see("h2", "Projects")
    renewed = await browser.call("evaluate", expression=SESSION)
    assert renewed["token"] != "spoiled"  # (a JWT minted in the same second may equal the first)
    assert renewed["refreshToken"] == first["refreshToken"]

    await browser.call("click", selector="button", text="Sign out")
    await browser.see("input[name=username]")
    async with server.api(None) as client:
        refused = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refreshToken"]})
    assert refused.status_code == 401

    # A session that cannot be renewed ends with a sentence.
    await sign_in(browser, server, "/")
    await browser.call("evaluate", expression=spoil("token"))
    await browser.call("evaluate", expression=spoil("refreshToken"))
    await browser.call("goto", url=f"{server.base_url}/system")
    await browser.see("input[name=username]")
    await browser.see(".login", "sign in again")
    assert [e for e in await browser.call("consoleErrors") if "status of 401" not in e] == []
