"""The files operators sent, kept as they were (by their SHA-256) so the sender can download them again."""
from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path


def _path(sha256: str, folder: str) -> Path | None:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        return None
    return Path(folder) / "returns" / "stored" / f"{sha256}.xlsx"


def keep_file(data: bytes, folder: str) -> Path:
    """Keep a stored return's bytes under their SHA-256 (the same file twice is kept once); return where."""
    path = _path(hashlib.sha256(data).hexdigest(), folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # A name of its own: two clicks on *Store* keep the same file at once, and must not take each other's.
        temporary = path.with_name(f"{path.stem}.{secrets.token_hex(6)}.tmp")
        temporary.write_bytes(data)
        temporary.replace(path)  # a reader never sees half a file
    return path


def kept_file(sha256: str, folder: str) -> Path | None:
    """Return where a stored return's file is kept, or None when it is not (stored before files were kept)."""
    path = _path(sha256, folder)
    return path if path is not None and path.is_file() else None
