from __future__ import annotations

from tests.support.server import RunningServer

PYTEST_FAILURE = """\
2026-11-25T10:00:01.000Z ##[group]Run pytest -q
============================= test session starts ==============================
collected 12 items

tests/test_api.py ..F.........                                           [100%]

=================================== FAILURES ===================================
_______________________________ test_create_user _______________________________

    def test_create_user():
>       assert response.status_code == 201
E       assert 500 == 201

tests/test_api.py:42: AssertionError
=========================== short test summary info ============================
FAILED tests/test_api.py::test_create_user - assert 500 == 201
========================= 1 failed, 11 passed in 0.52s =========================
##[error]Process completed with exit code 1.
"""


async def test_classify_returns_label_confidence_top_and_errors(server: RunningServer) -> None:
    async with server.api(await server.admin_token()) as client:
        response = await client.post("/api/v1/debug/classify", json={"log": PYTEST_FAILURE})
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"label", "confidence", "top", "errors", "failing_tests"}
    assert body["label"] == "test_failure" and 0 < body["confidence"] <= 1
    assert len(body["top"]) == 3 and body["top"][0]["label"] == "test_failure"
    assert any(error.get("file") == "tests/test_api.py" for error in body["errors"])
    assert body["failing_tests"] == ["tests/test_api.py::test_create_user"]


async def test_classify_needs_authentication(server: RunningServer) -> None:
    async with server.api() as client:
        response = await client.post("/api/v1/debug/classify", json={"log": PYTEST_FAILURE})
    assert response.status_code == 401


async def test_empty_log_gets_an_empty_answer(server: RunningServer) -> None:
    async with server.api(await server.admin_token()) as client:
        response = await client.post("/api/v1/debug/classify", json={"log": "   "})
    assert response.status_code == 200
    assert response.json() == {"label": None, "confidence": 0.0, "top": [], "errors": [], "failing_tests": []}


async def test_binary_junk_is_a_clear_4xx(server: RunningServer) -> None:
    junk = "".join(chr(c) for c in range(0, 32)) * 400
    async with server.api(await server.admin_token()) as client:
        response = await client.post("/api/v1/debug/classify", json={"log": junk})
        missing = await client.post("/api/v1/debug/classify", json={"text": "x"})
    assert response.status_code == 422 and "not text" in response.json()["detail"]
    assert missing.status_code == 422
