"""A real HTTP server on 127.0.0.1 serving good, broken, huge, slow and malicious feeds."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Store forum</title><link>http://forum.example/</link>
<description>Complaints</description>
<item><title>Nobody answers the phone &amp; nobody cares</title><guid>forum-1</guid>
<link>http://forum.example/t/1</link>
<description>&lt;p&gt;Called &lt;b&gt;four&lt;/b&gt; times.&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description></item>
<item><title>Refund still missing</title><link>http://forum.example/t/2</link>
<description>Thirty days and counting.</description></item>
<item><title>No id, no link</title><description>Only words here.</description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Reviews</title><id>urn:reviews</id>
<updated>2026-11-20T10:00:00Z</updated>
<entry><title>One star: app logs me out</title><id>urn:review:9</id><updated>2026-11-20T10:00:00Z</updated>
<link href="https://reviews.example/9"/><content type="html">&lt;p&gt;Every single time.&lt;/p&gt;</content></entry>
</feed>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title><guid>x1</guid></item></channel></rss>"""


class Handler(BaseHTTPRequestHandler):
    etag = '"v1"'
    agents: list[str] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, body: bytes, kind: str = "application/rss+xml", status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/good.rss":
            self.send_header("ETag", Handler.etag)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Handler.agents.append(self.headers.get("User-Agent", ""))
        # The client hangs up on huge and slow feeds, as it should.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route()

    def _route(self) -> None:
        if self.path == "/good.rss":
            if self.headers.get("If-None-Match") == Handler.etag:
                self.send_response(304)
                self.end_headers()
                return
            self._send(GOOD_RSS)
        elif self.path == "/reviews.atom":
            self._send(ATOM, "application/atom+xml")
        elif self.path == "/laughs.rss":
            self._send(LAUGHS)
        elif self.path == "/xxe.rss":
            self._send(XXE)
        elif self.path == "/page.html":
            self._send(b"<html><body><h1>Not a feed</h1></body></html>", "text/html")
        elif self.path == "/broken.rss":
            self._send(b"<rss version='2.0'><channel><item><title>unclosed")
        elif self.path == "/error.rss":
            self._send(b"oops", "text/plain", 500)
        elif self.path == "/declared-huge.rss":
            self.send_response(200)
            self.send_header("Content-Length", str(50_000_000))
            self.end_headers()
            self.wfile.write(b"<rss>" + b" " * 1000)
        elif self.path == "/huge.rss":
            self.send_response(200)  # no length: the client must count for itself
            self.end_headers()
            chunk = b"<!-- padding -->" * 4096
            for _ in range(50_000_000 // len(chunk)):
                self.wfile.write(chunk)
        elif self.path == "/slow.rss":
            self.send_response(200)
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.25)
        else:
            self._send(b"not here", "text/plain", 404)


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler] = Handler) -> Iterator[str]:
    """Run an HTTP server on a free port of 127.0.0.1 for the block; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
