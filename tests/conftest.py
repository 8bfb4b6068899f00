"""Fixtures: a fresh SQLite file per test, a real SMTP server on 127.0.0.1, the app over ASGI."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import anyio
import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette

from tests import live, postgres
from tracker import auth, db
from tracker.app import create_app
from tracker.models import Issue, Scope, Staff, Subscription
from tracker.outbox import Worker
from tracker.settings import Settings, load


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="the database every app test runs on (postgres starts a throwaway cluster)",
    )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Mailbox:
    """An SMTP handler that keeps what it receives and can refuse chosen recipients."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP reply, e.g. "550 no such user"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def text_of(message: EmailMessage, kind: str = "plain") -> str:
    part = message.get_body((kind,))
    assert part is not None, f"no {kind} part"
    return str(part.get_content())


ROOT = Path(__file__).resolve().parent.parent


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start `python main.py worker` as a separate process, its errors kept in a log file."""
    with log.open("ab") as errors:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with postgres.cluster(_free_port()) as url:
        yield url


@pytest.fixture
async def postgres_url(postgres_server: str) -> str:
    return await postgres.fresh_database(postgres_server)


@pytest.fixture(scope="session")
def migrated_template(postgres_server: str) -> str:
    """A migrated PostgreSQL database that each test copies, so migrations run once per session."""
    # Requested lazily from inside a running test loop, so it gets a loop of its own in a thread.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, postgres.migrated_template, postgres_server).result()


@pytest.fixture
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database the app under test uses: a fresh SQLite file, or a fresh PostgreSQL copy."""
    if request.config.getoption("--database") == "postgres":
        server = request.getfixturevalue("postgres_server")
        template = request.getfixturevalue("migrated_template")
        return await postgres.fresh_database(server, template=template)
    return load({"TRACKER_VAR_DIR": str(tmp_path / "var")}).database_url


@pytest.fixture
def settings(tmp_path: Path, mailbox: Mailbox, database_url: str) -> Settings:
    base = load({"TRACKER_VAR_DIR": str(tmp_path / "var"), "TRACKER_SECRET_KEY": "test-secret"})
    return replace(
        base,
        database_url=database_url,
        smtp_url=f"smtp://127.0.0.1:{mailbox.port}",  # type: ignore[attr-defined]
        mail_dir=None,
        run_worker=False,
        # Many tests change rows directly, as no app process would: test_cache covers the cache.
        page_cache_seconds=0,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    await db.migrate(settings.database_url)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def deliver(app: Starlette) -> int:
    """Run the delivery worker until nothing is due, as the in-process worker would."""
    return await Worker(app.state.settings, app.state.env).drain()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def submit(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]
) -> httpx.Response:
    """Load a page, then post one of its forms with the CSRF token it carried."""
    got = await client.get(page)
    if 'name="csrf"' not in got.text:  # an anonymous form: checked by origin, not by token
        return await client.post(action, data=data)
    return await client.post(action, data={**data, "csrf": csrf_from(got.text)})


async def confirmed_followers(issue: Issue, count: int) -> None:
    """Add followers f0@example.com … who confirmed long ago, in one insert."""
    await Subscription.bulk_create(
        [
            Subscription(
                key=f"f{n}",
                email=f"f{n}@example.com",
                scope=Scope.ISSUE,
                issue=issue,
                token=f"token-{n:05d}-{'x' * 20}",
                confirmed_at=datetime.now(UTC),
            )
            for n in range(count)
        ]
    )


COMPLAINT = {
    "title": "Store never answers its phone",
    "body": "I called the Springfield store four times on Monday. Nobody picked up.",
    "email": "pat@example.com",
    "public_name": "Pat",
    "credit_consent": "1",
}
COMPLAINT_JSON = {**COMPLAINT, "credit_consent": True}  # JSON says yes with true, not "1"


@pytest.fixture
async def staff_member(app: Starlette) -> Staff:
    return await auth.add_staff("agent@example.com", "a long enough password", "agent", "Alex")


@pytest.fixture
async def staff_client(client: httpx.AsyncClient, staff_member: Staff) -> httpx.AsyncClient:
    response = await submit(
        client,
        "/staff/login",
        "/staff/login",
        {"email": "agent@example.com", "password": "a long enough password"},
    )
    assert response.status_code == 303
    return client


@pytest.fixture
async def token(staff_member: Staff) -> str:
    return await auth.create_token(staff_member.email)


@pytest.fixture(scope="session")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[live.Server]:
    """One real `python main.py serve` for the browser and fuzz tests, on the chosen database."""
    var = tmp_path_factory.mktemp("live") / "var"
    if request.config.getoption("--database") == "postgres":
        base = request.getfixturevalue("postgres_server")
        template = request.getfixturevalue("migrated_template")
        with ThreadPoolExecutor(1) as pool:
            url = pool.submit(anyio.run, postgres.fresh_database, base, template).result()
    else:
        url = load({"TRACKER_VAR_DIR": str(var)}).database_url
    with live.serving(var, url, Mailbox(), live.free_pair()) as running:
        yield running


@pytest.fixture(scope="session")
def api_schema(server: live.Server) -> object:
    import schemathesis

    return schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
