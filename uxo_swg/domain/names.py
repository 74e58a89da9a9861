"""Matching names people type against the known ones."""
from __future__ import annotations

import difflib

from .reference import normalise


def closest(text: str, candidates: dict[str, str], limit: int = 3) -> list[str]:
    """Return up to `limit` display names whose normalised key is closest to the text.

    `candidates` maps normalised key -> display name (several keys may share a name).
    """
    key = normalise(text)
    found = difflib.get_close_matches(key, list(candidates), n=limit * 3, cutoff=0.6)
    if not found:
        found = [k for k in candidates if key and (key in k or k in key)]
    names: list[str] = []
    for k in found:
        if candidates[k] not in names:
            names.append(candidates[k])
    return names[:limit]
