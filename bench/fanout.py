"""Close an issue with many confirmed subscribers and compare delivery to a bare aiosmtplib loop.

Both send to the same aiosmtpd sink, a separate process on 127.0.0.1, in the same run.
BENCH_SUBSCRIBERS sets the count (default 100,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

from tracker import auth, db, issues
from tracker.models import Issue, Mode, Scope, Subscription
from tracker.outbox import Worker
from tracker.settings import load
from tracker.templating import make_environment

N = int(os.environ.get("BENCH_SUBSCRIBERS", "100000"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prebuilt(i: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "bench@127.0.0.1"
    message["To"] = f"bare-{i}@bench.example"
    message["Subject"] = "[Catalyst #1] Springfield store never answers its phone"
    message.set_content("The fix: calls now ring three handsets.\n" * 12)
    message.add_alternative("<p>The fix: calls now ring three handsets.</p>" * 12, subtype="html")
    return message


async def bare_loop(port: int) -> float:
    messages = [prebuilt(i) for i in range(N)]
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
    start = time.perf_counter()
    await smtp.connect()
    for message in messages:
        await smtp.send_message(message)
    await smtp.quit()
    return time.perf_counter() - start


async def catalyst(port: int, var: Path) -> tuple[float, float]:
    settings = replace(
        load({"TRACKER_VAR_DIR": str(var), "TRACKER_SECRET_KEY": "bench"}),
        smtp_url=f"smtp://127.0.0.1:{port}",
        mail_dir=None,
    )
    await db.migrate(settings.database_url)
    async with db.connect(settings.database_url):
        staff = await auth.add_staff("bench@example.com", "a long bench password", "admin")
        issue = await Issue.create(slug="phone", title="Springfield store never answers its phone")
        now = datetime.now(UTC)
        await Subscription.bulk_create(
            [
                Subscription(
                    key=f"sub-{i}@bench.example|issue|{issue.id}",
                    email=f"sub-{i}@bench.example",
                    scope=Scope.ISSUE,
                    issue=issue,
                    mode=Mode.EVERY,
                    token=f"t{i:012d}{'x' * 20}",
                    confirmed_at=now,
                )
                for i in range(N)
            ],
            batch_size=2000,
        )
        start = time.perf_counter()
        await issues.post_update(
            issue.id, {"status": "fixed", "fix": "Calls now ring three handsets."}, staff
        )
        enqueued = time.perf_counter() - start
        await Worker(settings, make_environment()).drain()
        return time.perf_counter() - start, enqueued


async def main() -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        counts_file = Path(tmp) / "counts.json"
        sink = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.sink",
            str(port),
            str(counts_file),
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert sink.stdout is not None and (await sink.stdout.readline()).strip() == b"ready"
            bare = await bare_loop(port)
            ours, enqueue = await catalyst(port, Path(tmp) / "var")
        finally:
            sink.terminate()
            await asyncio.wait_for(sink.wait(), timeout=60)
        seen: dict[str, int] = json.loads(counts_file.read_text())
    ours_seen = {k: v for k, v in seen.items() if k.startswith("sub-")}
    lost = N - len(ours_seen)
    duplicated = sum(v - 1 for v in ours_seen.values())
    print(f"subscribers:        {N}")
    print(f"bare aiosmtplib:    {N / bare:8.0f} msg/s  ({bare:.1f} s, 1 connection, pre-built)")
    print(
        f"catalyst close:     {N / ours:8.0f} msg/s  ({ours:.1f} s incl. {enqueue:.1f} s enqueue)"
    )
    print(f"ratio:              {bare / ours:.2f}  (target >= 0.80)")
    print(f"lost: {lost}  duplicated: {duplicated}")
    if lost or duplicated:
        raise SystemExit("delivery lost or duplicated mail")


if __name__ == "__main__":
    asyncio.run(main())
