"""Static files under content-hashed names, kept by browsers for a year, and sent compressed.

`asset_url("plotly.min.js")` gives `/static/plotly.min.<hash>.js`, the hash being the start of
the file's sha256: the name changes when the content does, so the browser may keep it for a
year without asking again (`immutable`). Unhashed names still work, kept five minutes.
A client that accepts gzip gets a copy compressed once per content, kept in the instance
folder (`static-gz/`) and shared by every worker: plotly.js goes from 5 MB to 1.5 MB.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
import tempfile
import threading
from pathlib import Path

from flask import Flask, Response, abort, current_app, request, send_file, url_for
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
HASH_LENGTH = 12
COMPRESSIBLE = {".js", ".css", ".geojson", ".json", ".svg", ".txt", ".map", ".html"}
MIN_COMPRESSED_BYTES = 1024  # below this gzip saves nothing worth a header
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{HASH_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")

mimetypes.add_type("application/geo+json", ".geojson")


class Assets:
    """The static folder's files: their content hashes (read again when a file changes) and compressed copies."""

    def __init__(self, folder: Path, compressed: Path) -> None:
        self.folder = folder
        self.compressed = compressed
        self._digests: dict[str, tuple[tuple[int, int], str]] = {}
        self._lock = threading.Lock()

    def path(self, name: str) -> Path | None:
        """Return the file of the static folder with that name, or None (never a file outside the folder)."""
        joined = safe_join(str(self.folder), name)
        return Path(joined) if joined is not None and os.path.isfile(joined) else None

    def digest(self, name: str) -> str:
        """Return the start of the file's sha256, read once per version of the file (its size and time)."""
        path = self.path(name)
        if path is None:
            raise FileNotFoundError(f"static/{name} does not exist")
        stat = path.stat()
        seen = self._digests.get(name)
        if seen is None or seen[0] != (stat.st_mtime_ns, stat.st_size):
            seen = ((stat.st_mtime_ns, stat.st_size), hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH])
            self._digests[name] = seen
        return seen[1]

    def hashed_name(self, name: str) -> str:
        """Return the file's name with its content hash before the extension: plotly.min.<hash>.js."""
        stem, dot, ext = name.rpartition(".")
        return f"{stem}.{self.digest(name)}.{ext}" if dot else f"{name}.{self.digest(name)}"

    def resolve(self, requested: str) -> tuple[str, bool] | None:
        """Return the file a URL names and whether its hash is the current one (then it never changes); None if none."""
        if self.path(requested) is not None:
            return requested, False
        found = _HASHED.match(requested)
        if found is None:
            return None
        name = found["stem"] + found["ext"]
        if self.path(name) is None:
            return None
        # An older hash (a page from before a deploy) still gets the file, but only for a short while.
        return name, found["digest"] == self.digest(name)

    def gzipped(self, name: str) -> Path | None:
        """Return the file gzip-compressed, made once per content; None where not worth it or not writable."""
        path = self.path(name)
        if path is None or path.suffix not in COMPRESSIBLE or path.stat().st_size < MIN_COMPRESSED_BYTES:
            return None
        target = self.compressed / f"{self.hashed_name(name)}.gz"
        if target.exists():
            return target
        with self._lock:  # one thread compresses; other workers may too, and the last rename wins (same bytes)
            if target.exists():
                return target
            try:
                self.compressed.mkdir(parents=True, exist_ok=True)
                handle, partial = tempfile.mkstemp(dir=self.compressed, suffix=".partial")
                with os.fdopen(handle, "wb") as out:
                    out.write(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))
                os.replace(partial, target)
            except OSError:
                current_app.logger.warning("cannot write %s: static files are sent uncompressed", self.compressed)
                return None
        return target


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def serve(filename: str) -> Response:
    """Send a static file: a hashed name for a year, any other for five minutes; gzip when the client takes it."""
    assets: Assets = current_app.extensions["assets"]
    found = assets.resolve(filename)
    if found is None:
        abort(404)
    name, immutable = found
    age = 31536000 if immutable else 300
    compressed = assets.gzipped(name) if _accepts_gzip() else None
    if compressed is not None:
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        response = send_file(compressed, mimetype=mimetype, max_age=age, conditional=True, etag=True)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = send_file(assets.path(name), max_age=age, conditional=True, etag=True)
    response.headers["Cache-Control"] = IMMUTABLE if immutable else SHORT
    if Path(name).suffix in COMPRESSIBLE:
        response.vary.add("Accept-Encoding")
    return response


def asset_url(filename: str) -> str:
    """Return the URL of a static file under its content-hashed name (for templates)."""
    return url_for("static", filename=current_app.extensions["assets"].hashed_name(filename))


def init_app(app: Flask) -> None:
    """Serve the static folder through `serve` and give templates `asset_url`."""
    app.extensions["assets"] = Assets(Path(app.static_folder), Path(app.instance_path) / "static-gz")
    app.view_functions["static"] = serve
    app.add_template_global(asset_url)
