"""What the web benchmarks share: gunicorn on loopback, a small HTTP client that logs in, and percentiles."""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: the benchmarks never send a request anywhere else


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, *, workers: int = 4, log: Path | None = None) -> Iterator[int]:
    """Serve the app with gunicorn (sync workers) on a free loopback port; yield the port, stop it afterwards."""
    port = free_port()
    instance = tempfile.mkdtemp(prefix="uxo-bench-")
    env = dict(os.environ, DATABASE_URL=database_url, UXO_SWG_CONFIG="development", SECRET_KEY="bench-only-secret",
               SESSION_COOKIE_SECURE="0", UXO_SWG_INSTANCE=instance, UPLOAD_FOLDER=str(Path(instance) / "uploads"))
    binary = Path(sys.executable).parent / "gunicorn"
    out = open(log, "w") if log else subprocess.DEVNULL
    server = subprocess.Popen([str(binary), "-w", str(workers), "-b", f"{HOST}:{port}", "--timeout", "120",
                               "--backlog", "256", "uxo_swg:create_app()"], cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start (exit {server.returncode}); see {log}")
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=5)
                conn.request("GET", "/login")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer within 60 s")
        yield port
    finally:
        server.send_signal(signal.SIGTERM)  # our own process, by its id
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if log:
            out.close()


class Client:
    """One user's browser: its cookies, and a new connection per request (gunicorn's sync workers close each)."""

    def __init__(self, port: int, timeout: float = 120) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None) -> tuple[int, bytes]:
        """Send one request; return the status and the body (cookies kept)."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, data
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, bytes]:
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def post_file(self, path: str, fields: dict[str, str], name: str, filename: str, data: bytes) -> tuple[int, bytes]:
        """Post a multipart form with one file."""
        boundary = f"----bench{time.monotonic_ns()}"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}")

    def csrf(self, path: str) -> str:
        """Return the CSRF token of a page with a form."""
        _status, page = self.get(path)
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', page)
        if not found:
            raise RuntimeError(f"no CSRF token on {path}")
        return found.group(1).decode()

    def login(self, email: str, password: str) -> None:
        """Log in through the login form, as a person would."""
        status, _ = self.post("/login", {"email": email, "password": password, "csrf_token": self.csrf("/login")})
        if status != 302:
            raise RuntimeError(f"login of {email} answered {status}")


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values lie (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered) + 0.5)) - 1))]
