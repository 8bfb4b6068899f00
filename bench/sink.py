"""A benchmark SMTP sink: accepts all, counts each recipient, writes the counts on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import Counter

from aiosmtpd.smtp import SMTP, Envelope, Session


class Counting:
    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.seen.update(envelope.rcpt_tos)
        return "250 OK"


async def main(port: int) -> Counter[str]:
    handler = Counting()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler), "127.0.0.1", port)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    server.close()
    return handler.seen


if __name__ == "__main__":
    counts = asyncio.run(main(int(sys.argv[1])))
    with open(sys.argv[2], "w") as handle:
        json.dump(counts, handle)
