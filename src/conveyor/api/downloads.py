"""``Content-Disposition`` for a file whose name a pipeline chose (RFC 6266, RFC 5987)."""

from __future__ import annotations

import re
from urllib.parse import quote

_UNSAFE_ASCII = re.compile(r'[^\x20-\x7e]|["\\%;]')


def attachment(filename: str) -> str:
    """A plain-ASCII ``filename`` for old clients and the exact name as UTF-8 ``filename*``:
    control characters (CR/LF would split the header), quotes and non-Latin-1 text can no longer
    break the response."""
    name = filename.replace("/", "_").replace("\\", "_") or "download"
    fallback = _UNSAFE_ASCII.sub("_", name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
