"""A step that prints its secret in the forms tools produce leaks none of them to a viewer."""

from __future__ import annotations

import base64
import html
import json
import shlex
from urllib.parse import quote, quote_plus

import httpx
import pytest

from conveyor.runners.masking import Masker
from tests.support.pipelines import PipelineApi, completed
from tests.support.server import RunningServer

SECRET = "p@ss w'rd&<x>/\"42\\"
PRINTS = r"""
python3 - <<'PY'
import base64, html, json, os, shlex, sys
from urllib.parse import quote, quote_plus
s = os.environ["TOKEN"]
raw = s.encode()
for prefix in (b"", b"a", b"ab"):
    print("b64:", base64.b64encode(prefix + raw + b"tail").decode())
    print("b64url:", base64.urlsafe_b64encode(prefix + raw).decode())
print("url:", quote(s, safe=""), quote_plus(s), quote(s).lower())
print("hex:", raw.hex(), raw.hex().upper())
print("json:", json.dumps({"token": s}))
print("html:", html.escape(s), html.escape(s).replace("&#x27;", "&#39;"))
print("shlex:", shlex.quote(s))
half = len(s) // 2
print("cut:", s[:half])
print(s[half:], "<- cut")
print("ansi:", s[:3] + "\x1b[1m" + s[3:])
long = base64.b64encode(raw * 8).decode()
print("wrapped:", long[:40])
print(long[40:80])
print(long[80:])
PY
printf 'printf-q: %q\n' "$TOKEN"
printf '%s' "$TOKEN" | base64 -w 20
printf '%s' "$TOKEN" | od -An -tx1 | tr -d ' \n'; echo
"""


async def _put_secret(api: PipelineApi, project: str, value: str) -> httpx.Response:
    async with api.server.api(api.token) as client:
        return await client.put(f"/api/v1/projects/{project}/secrets/TOKEN", json={"value": value})


async def test_no_form_of_a_secret_reaches_logs_or_events(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("masks")
    assert (await _put_secret(api, project, SECRET)).status_code == 204
    steps = "\n".join("          " + line for line in PRINTS.strip().splitlines())
    pipeline = await api.pipeline(project, f"jobs:\n  leak:\n    steps:\n      - run: |\n{steps}\n")
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    envelope = await completed(listener, execution_id)
    assert envelope["data"]["execution"]["status"] == "success"
    lines = await api.log_text(execution_id, "leak")
    assert len(lines) >= 20, lines
    everything = "\n".join(lines) + json.dumps(listener.received)
    leaks = [form for form in _forms(SECRET) if form in everything]
    assert leaks == [], (leaks, lines)
    assert [line for line in lines if "***" in line][:3]


def _forms(secret: str) -> list[str]:
    """The forms that must not appear: pieces of 6 characters or more of each encoding."""
    raw = secret.encode()
    whole = [
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        raw.hex(),
        raw.hex().upper(),
        json.dumps(secret)[1:-1],
        html.escape(secret),
        shlex.quote(secret),
        secret[: len(secret) // 2 + 3],
        secret[len(secret) // 2 - 3 :],
    ]
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        whole.append(encoded[3:-3])
    return whole


async def test_a_secret_under_six_characters_is_refused_with_the_reason(api: PipelineApi) -> None:
    project = await api.project("short")
    response = await _put_secret(api, project, "abc12")
    assert response.status_code == 422
    assert "at least 6 characters" in response.text
    assert (await _put_secret(api, project, "abc123")).status_code == 204


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("x: " + SECRET[:5], "x: ***"),
        (SECRET[5:] + " rest", "*** rest"),
        ("\x1b[31m" + SECRET[:4] + "\x1b[0m" + SECRET[4:] + "!", "***!"),
        ("plain ----", "plain ----"),
        ("nothing here", "nothing here"),
    ],
)
def test_pieces_at_line_edges_and_ansi_splits(printed: str, expected: str) -> None:
    assert Masker([SECRET])(printed) == expected


PASTED = """\
$ export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
$ export DB_PASSWORD=hunter2-the-db-password
$ git clone https://ci:glpat-abcdefghij0123456789@gitlab.example.com/x/y.git
$ curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLWhlcmU'
{"password": "json-held-password", "token": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"}
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ
-----END OPENSSH PRIVATE KEY-----
psql: error: FATAL: password authentication failed for user "ci" (password=hunter2-the-db-password)
Error: Process completed with exit code 1.
"""
PASTED_SECRETS = [
    "AKIAIOSFODNN7EXAMPLE",
    "hunter2-the-db-password",
    "glpat-abcdefghij0123456789",
    "eyJzdWIiOiJhZG1pbiJ9",
    "json-held-password",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
]


async def test_debug_classify_redacts_well_known_keys_and_passwords(api: PipelineApi) -> None:
    async with api.server.api(api.token) as client:
        response = await client.post("/api/v1/debug/classify", json={"log": PASTED})
    assert response.status_code == 200, response.text
    assert "[REDACTED]" in response.text
    assert [s for s in PASTED_SECRETS if s in response.text] == []
