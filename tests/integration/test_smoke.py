from tests.support.server import RunningServer


async def test_alert_reaches_an_authenticated_socket(server: RunningServer) -> None:
    listener = await server.authenticated_socket(await server.admin_token())
    alert = await server.raise_alert("disk full", "critical")
    event, envelope = await listener.next_of("system_alert")
    assert envelope["data"]["alertId"] == alert["alertId"]
    assert envelope["priority"] == "HIGH"
