"""Secrets SXVİS keeps in its data folder when the operator gives none (audit head key, pseudonym key).

A key file is created on first use with O_EXCL and mode 0600 (in a 0700 folder), so two processes
starting at once cannot end up with different keys, and no other local user can read it.
"""

import os
import secrets
from pathlib import Path


def read_or_create(path: Path) -> str:
    """The secret in `path`, made (64 hex digits) if the file does not exist yet; empty is an error."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process won the race; read what it wrote
        else:
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(secrets.token_hex(32) + "\n")
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise ValueError(f"the key file {path} is empty")
    return key
