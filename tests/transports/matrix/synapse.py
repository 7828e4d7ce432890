"""A real Synapse homeserver for end-to-end tests: configured, started and stopped by the tests.

One server per test session, on 127.0.0.1 with a free port, SQLite, no federation, cheap password
hashing and rate limits raised out of the way. Users are registered through the shared-secret
admin API (`/_synapse/admin/v1/register`, HMAC-SHA1), as `register_new_matrix_user` does.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVER_NAME = "localhost"
STARTUP_TIMEOUT = 90.0
_HIGH = {"per_second": 10000, "burst_count": 100000}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(directory: Path, port: int, secret: str) -> Path:
    """A homeserver.yaml (JSON is YAML) and a fresh signing key in `directory`."""
    from signedjson.key import generate_signing_key, write_signing_keys

    key_path = directory / "signing.key"
    with key_path.open("w") as fh:
        write_signing_keys(fh, [generate_signing_key("a_test")])
    config: dict[str, Any] = {
        "server_name": SERVER_NAME,
        "pid_file": str(directory / "homeserver.pid"),
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "media_store_path": str(directory / "media"),
        "signing_key_path": str(key_path),
        "registration_shared_secret": secret,
        "enable_registration": False,
        "report_stats": False,
        "enable_metrics": False,
        "macaroon_secret_key": secret + "-macaroon",
        "form_secret": secret + "-form",
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "bcrypt_rounds": 4,
        "url_preview_enabled": False,
        "presence": {"enabled": False},
        "rc_message": _HIGH,
        "rc_registration": _HIGH,
        "rc_login": {"address": _HIGH, "account": _HIGH, "failed_attempts": _HIGH},
        "rc_joins": {"local": _HIGH, "remote": _HIGH},
        "rc_joins_per_room": _HIGH,
        "rc_invites": {"per_room": _HIGH, "per_user": _HIGH, "per_issuer": _HIGH},
        "rc_3pid_validation": _HIGH,
        "rc_admin_redaction": _HIGH,
        "rc_key_requests": _HIGH,
        "rc_media_create": _HIGH,
        "rc_delayed_event_mgmt": _HIGH,
    }
    path = directory / "homeserver.yaml"
    path.write_text(json.dumps(config, indent=2))
    return path


@dataclass
class Synapse:
    """A running Synapse: its URL and what is needed to register users."""

    url: str
    secret: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started_in: float
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def unique_name(self, prefix: str) -> str:
        """A user name not used before in this session."""
        return f"{prefix}{next(self._names)}"

    def register(self, username: str, password: str, admin: bool = False) -> dict[str, Any]:
        """Register a user through the shared-secret API; returns user_id and access_token."""
        nonce = self._request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        for part in (nonce, username, password):
            mac.update(part.encode())
            mac.update(b"\x00")
        mac.update(b"admin" if admin else b"notadmin")
        return dict(
            self._request(
                "POST",
                "/_synapse/admin/v1/register",
                {
                    "nonce": nonce,
                    "username": username,
                    "password": password,
                    "admin": admin,
                    "mac": mac.hexdigest(),
                },
            )
        )

    def admin_post(self, token: str, path: str, body: dict[str, Any]) -> Any:
        """POST to an admin API as an admin user."""
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        """Terminate the server (kill it if it does not stop within 15 seconds)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_synapse(directory: Path) -> Synapse:
    """Configure and start Synapse in `directory`; returns once `/versions` answers."""
    port = _free_port()
    secret = hashlib.sha256(os.urandom(16)).hexdigest()
    config = write_config(directory, port, secret)
    log_path = directory / "synapse.log"
    began = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(config)],
            cwd=directory,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    server = Synapse(url, secret, process, log_path, 0.0)
    deadline = began + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"Synapse exited with {process.returncode} while starting:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(url + "/_matrix/client/versions", timeout=2):
                server.started_in = time.monotonic() - began
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"Synapse did not answer within {STARTUP_TIMEOUT}s:\n{server.log_tail()}")
