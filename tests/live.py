"""A real `python main.py serve` process with its own SMTP server, and Debian's chromium to drive it."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless, and nothing that reaches out to the internet on its own.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
ROOT = Path(__file__).resolve().parent.parent


def free_pair() -> int:
    """A port whose successor is free too: the app on one, its SMTP server on the next."""
    for _ in range(50):
        with socket.socket() as a, socket.socket() as b:
            a.bind(("127.0.0.1", 0))
            port = int(a.getsockname()[1])
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no two free ports in a row")


@dataclass
class Server:
    url: str
    env: dict[str, str]
    mailbox: object  # tests.conftest.Mailbox
    token: str

    def cli(self, *args: str, stdin: str = "") -> str:
        result = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
            check=True,
        )
        return result.stdout

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10
        )

    def mail_to(
        self, address: str, subject_part: str, containing: str = "", timeout: float = 15
    ) -> EmailMessage:
        """Wait for a message to an address whose subject (and text) hold the given phrases."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.mailbox.messages):  # type: ignore[attr-defined]
                if (
                    message["To"] == address
                    and subject_part in str(message["Subject"])
                    and containing in str(message.get_body(("plain",)).get_content())
                ):
                    return message  # type: ignore[no-any-return]
            time.sleep(0.1)
        raise AssertionError(f"no mail to {address} about {subject_part!r} within {timeout} s")


def link_in(message: EmailMessage, pattern: str) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    found = re.search(pattern, str(part.get_content()))
    assert found, f"no link matching {pattern!r} in the mail"
    return found.group(0)


@contextmanager
def serving(var: Path, database_url: str, mailbox: object, port: int) -> Iterator[Server]:
    """Start the app as a user does, with a staff account and token, and stop it after."""
    controller = Controller(mailbox, hostname="127.0.0.1", port=port + 1)
    controller.start()
    env = {
        **os.environ,
        "TRACKER_VAR_DIR": str(var),
        "TRACKER_DATABASE_URL": database_url,
        "TRACKER_SMTP_URL": f"smtp://127.0.0.1:{port + 1}",
        "TRACKER_BASE_URL": f"http://127.0.0.1:{port}",
        "TRACKER_SECRET_KEY": "browser-test-secret",
        "TRACKER_LOG_LEVEL": "warning",
    }
    var.mkdir(parents=True, exist_ok=True)
    log = (var / "server.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {(var / 'server.log').read_text()}")
            time.sleep(0.2)
        server = Server(url, env, mailbox, "")
        server.cli(
            "staff", "add", "agent@example.com", "--role", "admin", "--name", "Alex",
            stdin="a long enough password\n",
        )  # fmt: skip
        server.token = server.cli("token", "create", "agent@example.com").strip()
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        controller.stop()
        log.close()
