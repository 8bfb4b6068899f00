"""The outbox on a real PostgreSQL: migrations, and several workers sharing it with SKIP LOCKED."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import replace
from pathlib import Path

from tests.conftest import Mailbox, confirmed_followers, start_worker
from tracker import auth, db, issues
from tracker.models import Delivery, DeliveryState, Issue
from tracker.outbox import Worker
from tracker.settings import Settings
from tracker.templating import make_environment


async def close_with_followers(count: int) -> Issue:
    staff = await auth.add_staff("boss@example.com", "a long enough password", "admin")
    issue = await Issue.create(slug="phone", title="Phone never answered")
    await confirmed_followers(issue, count)
    await issues.post_update(issue.id, {"status": "fixed", "fix": "Three handsets."}, staff)
    return issue


async def test_concurrent_workers_never_claim_the_same_delivery(
    postgres_url: str, settings: Settings, mailbox: Mailbox
) -> None:
    settings = replace(
        settings, database_url=postgres_url, delivery_batch=10, delivery_connections=2
    )
    await db.migrate(postgres_url)
    async with db.connect(postgres_url):
        await close_with_followers(120)
        claimed: list[list[int]] = []

        class Recording(Worker):
            async def _claim(self) -> list[int]:
                ids = await super()._claim()
                claimed.append(ids)
                return ids

        workers = [Recording(settings, make_environment()) for _ in range(4)]
        await asyncio.gather(*(w.drain() for w in workers))

        every = [i for batch in claimed for i in batch]
        assert len(every) == len(set(every)) == 120  # no delivery claimed twice
        assert len([b for b in claimed if b]) >= 12  # batches of 10, shared out
        assert Counter(m["To"] for m in mailbox.messages) == {
            f"f{n}@example.com": 1 for n in range(120)
        }
        assert await Delivery.filter(state=DeliveryState.SENT).count() == 120


async def test_three_worker_processes_share_one_outbox(
    postgres_url: str, settings: Settings, mailbox: Mailbox, tmp_path: Path
) -> None:
    await db.migrate(postgres_url)
    async with db.connect(postgres_url):
        await close_with_followers(150)
    env = {
        **os.environ,
        "TRACKER_VAR_DIR": str(tmp_path / "var"),
        "TRACKER_DATABASE_URL": postgres_url,
        "TRACKER_SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}",  # type: ignore[attr-defined]
        "TRACKER_DELIVERY_BATCH": "5",
        "TRACKER_SECRET_KEY": "pg-test",
    }
    log = tmp_path / "workers.log"
    workers = [start_worker(env, log) for _ in range(3)]
    try:
        for _ in range(600):
            if len(mailbox.messages) >= 150:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # a duplicate, if any, would arrive now
    finally:
        for worker in workers:
            worker.terminate()
        codes = [worker.wait(timeout=15) for worker in workers]
    assert codes == [0, 0, 0], log.read_text()
    assert Counter(m["To"] for m in mailbox.messages) == {
        f"f{n}@example.com": 1 for n in range(150)
    }
    async with db.connect(postgres_url):
        assert await Delivery.filter(state=DeliveryState.SENT).count() == 150
