"""Similar-issue search at 100,000 issues: latency of GET /api/v1/issues/similar, p50 and p95.

BENCH_ISSUES sets the count (default 100,000). Target: p95 under 50 ms on this machine.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from dataclasses import replace

import httpx

from tracker import db
from tracker.app import create_app
from tracker.models import Issue, Status
from tracker.settings import load

N = int(os.environ.get("BENCH_ISSUES", "100000"))
QUERIES = 300
WORDS = [
    "store",
    "phone",
    "answer",
    "call",
    "refund",
    "delivery",
    "slot",
    "cancelled",
    "app",
    "login",
    "logout",
    "password",
    "card",
    "reader",
    "charge",
    "twice",
    "email",
    "language",
    "order",
    "parking",
    "machine",
    "checkout",
    "voucher",
    "price",
    "label",
    "queue",
    "staff",
    "rude",
    "wait",
    "hours",
    "website",
    "broken",
    "search",
    "stock",
    "missing",
    "invoice",
    "account",
    "locked",
    "driver",
    "late",
    "parcel",
    "damaged",
    "courier",
    "return",
    "label",
    "printer",
    "receipt",
    "loyalty",
    "points",
    "expired",
    "coupon",
    "discount",
    "basket",
    "crash",
    "update",
    "android",
    "iphone",
    "notification",
    "spam",
    "newsletter",
    "branch",
]


# Real text is Zipfian: a few words everywhere, most words rare. 5,000 words, s = 1.1.
_ENDINGS = ("nd", "rk", "st", "mp", "lt", "ck", "sh", "ng", "ft", "rn", "ll", "ss", "x", "ze")
_MADE_UP = [
    f"{a}{b}{c}{d}"
    for a in "bcdfglmnprst"
    for b in "aeiou"
    for c in "bdgklmnprstv"
    for d in _ENDINGS
]
VOCABULARY = WORDS + _MADE_UP[: 5000 - len(WORDS)]
WEIGHTS = [1 / (rank + 1) ** 1.1 for rank in range(len(VOCABULARY))]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(VOCABULARY, WEIGHTS, k=words))


async def main() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(
            load({"TRACKER_VAR_DIR": tmp, "TRACKER_SECRET_KEY": "bench"}), run_worker=False
        )
        await db.migrate(settings.database_url)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            started = time.perf_counter()
            statuses = list(Status)
            for start in range(0, N, 5000):
                await Issue.bulk_create(
                    [
                        Issue(
                            slug=f"i{n}",
                            title=sentence(rng, 7),
                            summary=sentence(rng, 30),
                            status=statuses[n % len(statuses)],
                        )
                        for n in range(start, min(N, start + 5000))
                    ]
                )
            print(f"issues:   {N} (indexed in {time.perf_counter() - started:.1f} s)")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                timings = []
                for _ in range(QUERIES):
                    q = sentence(rng, rng.randint(3, 12))
                    t = time.perf_counter()
                    response = await client.get("/api/v1/issues/similar", params={"q": q})
                    timings.append((time.perf_counter() - t) * 1000)
                    assert response.status_code == 200
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"queries:  {QUERIES} of 3-12 words, Zipfian over {len(VOCABULARY)} words")
        p50, worst = statistics.median(timings), timings[-1]
        print(f"latency:  p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms")
        print(f"target:   p95 < 50 ms -> {'met' if p95 < 50 else 'MISSED'}")


if __name__ == "__main__":
    asyncio.run(main())
