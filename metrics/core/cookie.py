"""The server's cookie secret: made once per machine, kept outside the served folder.

Streamlit signs its XSRF cookie with `server.cookieSecret`. Left unset, it draws a new one at
every start; a secret in .streamlit/config.toml would be committed. So the first run writes a
random one to the user's config folder (mode 0600) and every later run reads it back.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Final

SECRET_BYTES: Final[int] = 32


def secret_path() -> Path:
    """`SERVICELENS_COOKIE_SECRET_FILE`, else servicelens/cookie_secret under the user's config
    folder ($XDG_CONFIG_HOME, else ~/.config)."""
    chosen = os.environ.get("SERVICELENS_COOKIE_SECRET_FILE")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "servicelens" / "cookie_secret"


def cookie_secret(path: Path | None = None) -> str:
    """The secret at `path` (default `secret_path()`), written there first when missing."""
    where = path or secret_path()
    if where.exists():
        if where.stat().st_mode & 0o077:  # readable by others: keep it the owner's alone
            where.chmod(0o600)
        found = where.read_text(encoding="ascii").strip()
        if len(found) >= SECRET_BYTES:
            return found
    where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    made = secrets.token_urlsafe(SECRET_BYTES)
    descriptor = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(made + "\n")
    return made
