"""Where ``conveyor login`` keeps the server URL and token: the user's config directory, 0600.

``$CONVEYOR_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/conveyor``, else ``~/.config/conveyor``;
the file is ``config.json``: ``{"url", "token", "tokenId", "username"}``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def config_dir() -> Path:
    if os.environ.get("CONVEYOR_CONFIG_DIR"):
        return Path(os.environ["CONVEYOR_CONFIG_DIR"])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "conveyor"


def config_file() -> Path:
    return config_dir() / "config.json"


def load() -> dict[str, Any]:
    try:
        data = json.loads(config_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(data: dict[str, Any]) -> Path:
    """Write the file readable by its owner only (created so, never widened in between)."""
    path = config_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(data, handle, indent=2)
    path.chmod(0o600)
    return path


def forget() -> bool:
    path = config_file()
    if not path.exists():
        return False
    path.unlink()
    return True
