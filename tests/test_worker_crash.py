"""A delivery worker killed mid-fan-out: the next one finishes the job, losing nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.conftest import _free_port, confirmed_followers, start_worker
from tracker import auth, db, issues
from tracker.models import Delivery, DeliveryState, Issue
from tracker.settings import load

COUNT = 30


class SlowSink:
    """Accepts every message after a pause, so a kill lands between sends."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(0.05)
        self.seen.update(envelope.rcpt_tos)
        return "250 OK"


async def wait_for(condition: object, seconds: float) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_killed_worker_loses_nothing_and_repeats_at_most_the_message_in_flight(
    tmp_path: Path,
) -> None:
    sink = SlowSink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    env = {
        **os.environ,
        "TRACKER_VAR_DIR": str(tmp_path / "var"),
        "TRACKER_SECRET_KEY": "crash-test",
        "TRACKER_SMTP_URL": f"smtp://127.0.0.1:{controller.port}",
        "TRACKER_DELIVERY_CONNECTIONS": "1",
        "TRACKER_DELIVERY_LEASE_SECONDS": "1",
    }
    env.pop("TRACKER_DATABASE_URL", None)
    settings = load(env)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        await db.migrate(settings.database_url)
        async with db.connect(settings.database_url):
            staff = await auth.add_staff("boss@example.com", "a long enough password", "admin")
            issue = await Issue.create(slug="phone", title="Phone")
            await confirmed_followers(issue, COUNT)
            await issues.post_update(issue.id, {"status": "fixed", "fix": "Done."}, staff)

            workers.append(start_worker(env, tmp_path / "workers.log"))
            await wait_for(lambda: sum(sink.seen.values()) >= 8, 30)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(timeout=10)
            at_kill = sum(sink.seen.values())
            assert at_kill < COUNT

            workers.append(start_worker(env, tmp_path / "workers.log"))
            await wait_for(lambda: len(sink.seen) == COUNT, 60)
            workers[1].send_signal(signal.SIGTERM)
            assert workers[1].wait(timeout=10) == 0

            assert set(sink.seen) == {f"f{n}@example.com" for n in range(COUNT)}
            assert sum(sink.seen.values()) - COUNT <= 1  # only the message in flight at the kill
            states = Counter(d.state for d in await Delivery.all())
            assert states == {DeliveryState.SENT: COUNT}
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
        controller.stop()
