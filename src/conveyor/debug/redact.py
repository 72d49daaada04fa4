"""Well-known credential shapes, redacted from pasted logs before anything echoes them back.

The classifier quotes the lines it bases its answer on; a log pasted from a CI run often holds
a key or a password the run printed. Values are replaced by ``[REDACTED]``, keeping the name.
"""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

_PRIVATE_KEY = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)", re.DOTALL
)
_TOKENS = re.compile(
    r"\b(?:"
    r"AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|ASIA[0-9A-Z]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{30,}"  # GitHub tokens
    r"|github_pat_[A-Za-z0-9_]{40,}"
    r"|glpat-[A-Za-z0-9_-]{20,}"  # GitLab
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack
    r"|sk_(?:live|test)_[A-Za-z0-9]{16,}"  # Stripe
    r"|sk-[A-Za-z0-9_-]{20,}"  # OpenAI-style API keys
    r"|AIza[0-9A-Za-z_-]{35}"  # Google API key
    r"|npm_[A-Za-z0-9]{36}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"  # JWT
    r")"
)
# user:password@ in URLs
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@")
# NAME=value, NAME: value, "name": "value" where the name says password, secret, token or key
_ASSIGNED = re.compile(
    r"""(?ix)
    (\b[\w.-]*(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key
        |client[_-]?secret)[\w.-]*["']?\s*[:=]\s*["']?)
    ([^\s"',;]{3,})
    """
)
_AUTH_HEADER = re.compile(r"(?i)(\bauthorization:\s*(?:bearer|basic|token)\s+)\S+")
_CLI_PASSWORD = re.compile(r"(?i)((?:^|\s)--(?:password|token)(?:=|\s+))(\S+)")


def redact(text: str) -> str:
    text = _PRIVATE_KEY.sub(REDACTED, text)
    text = _TOKENS.sub(REDACTED, text)
    text = _URL_CREDENTIALS.sub(lambda m: m.group(1) + REDACTED + "@", text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _ASSIGNED.sub(lambda m: m.group(1) + REDACTED, text)
    return _CLI_PASSWORD.sub(lambda m: m.group(1) + REDACTED, text)
