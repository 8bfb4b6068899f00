"""Catalyst's hot paths against a bare starlette app, both served by uvicorn and loaded by wrk.

Prints requests/s for each and the ratio Catalyst / bare:
- the public issue page (target >= 0.5), answered from the page cache;
- a feed revalidation answering 304 (target >= 0.7);
- complaint intake over the API (stored, and its acknowledgement queued in the outbox).
The bare app returns the same bytes, the same 304 and the same 201, with no database.
BENCH_SECONDS sets each wrk run (default 5), BENCH_ROUNDS the runs per app (default 3),
BENCH_CONNECTIONS the connections (default 32).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.fanout import free_port

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"issue page": 0.5, "feed 304": 0.7}


def serve(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server on {port} did not start: {process.stderr}")


def wrk(url: str, *extra: str) -> float:
    """Requests per second wrk measured (one thread: the server gets the other core)."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=SECONDS + 60,
    ).stdout
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"errors during the run:\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert found, out
    return float(found.group(1))


def post_script(folder: Path, body: dict[str, str]) -> str:
    script = folder / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
    )
    return str(script)


def prepare(var: Path) -> tuple[dict[str, str], str]:
    """A demo database with one issue of 40 updates; returns the env and that issue's path."""
    env = {
        **os.environ,
        "TRACKER_VAR_DIR": str(var),
        "TRACKER_LOG_LEVEL": "warning",
        "TRACKER_RUN_WORKER": "0",  # intake is measured up to the outbox; sending is fan-out's
    }

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *args],
            env=env, input=stdin, capture_output=True, text=True, check=True,
        )  # fmt: skip

    run("demo")
    run("staff", "add", "bench@example.com", "--role", "admin", stdin="a long enough password\n")
    token = run("token", "create", "bench@example.com").stdout.strip()
    port = free_port()
    server = serve([sys.executable, str(ROOT / "main.py"), "serve", "--port", str(port)], env, port)
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as api:
            number = api.get("/api/v1/issues").json()["items"][0]["number"]
            for i in range(40):
                api.post(
                    f"/api/v1/issues/{number}/updates",
                    json={"body": f"Update {i}: we checked **store {i}** and the *depot*."},
                ).raise_for_status()
            path = api.get(f"/api/v1/issues/{number}").json()["url"].split(":8000", 1)[1]
    finally:
        server.terminate()
        server.wait()
    return env, path


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("bench needs wrk: apt-get install wrk (make bench installs it when root)")
    folder = Path(tempfile.mkdtemp(prefix="catalyst-bench-http-"))
    env, path = prepare(folder / "var")
    ours_port, bare_port = free_port(), free_port()
    ours = serve(
        [sys.executable, str(ROOT / "main.py"), "serve", "--port", str(ours_port)], env, ours_port
    )
    try:
        base = f"http://127.0.0.1:{ours_port}"
        page = httpx.get(base + path)
        feed = httpx.get(base + path + "/feed.atom")
        assert page.status_code == 200 and feed.status_code == 200
        samples = folder / "samples"
        samples.mkdir()
        (samples / "page.html").write_bytes(page.content)
        (samples / "feed.xml").write_bytes(feed.content)
        bare_env = {**env, "BENCH_SAMPLES": str(samples), "BENCH_ETAG": feed.headers["etag"]}
        bare = serve([sys.executable, "-m", "bench.bare", str(bare_port)], bare_env, bare_port)
        try:
            complaint = {
                "title": "Checkout queue too long",
                "body": "Twenty minutes at the Springfield store on Saturday.",
                "email": "bench-complainant@example.com",
            }
            script = post_script(folder, complaint)
            etag = ["-H", f"If-None-Match: {feed.headers['etag']}"]
            runs: list[tuple[str, str, str, list[str]]] = [
                ("issue page", path, path, []),
                ("feed 304", path + "/feed.atom", "/feed", etag),
                ("complaint intake", "/api/v1/complaints", "/complaints", ["-s", script]),
            ]
            print(
                f"wrk: 1 thread, {CONNECTIONS} connections, median of {ROUNDS} alternating "
                f"{SECONDS}-s runs per app; uvicorn, 1 process each"
            )
            print(f"{'':18} {'Catalyst':>10} {'bare':>10} {'ratio':>7}  target")
            for name, ours_path, bare_path, extra in runs:
                wrk(base + ours_path, *extra)  # warm up: fill caches, settle
                # Alternate the two apps and keep each one's median, so a noisy moment on a
                # shared machine does not decide the ratio.
                mine_runs, their_runs = [], []
                for _ in range(ROUNDS):
                    mine_runs.append(wrk(base + ours_path, *extra))
                    their_runs.append(wrk(f"http://127.0.0.1:{bare_port}{bare_path}", *extra))
                mine, theirs = statistics.median(mine_runs), statistics.median(their_runs)
                target = TARGETS.get(name)
                verdict = "" if target is None else (
                    f">= {target}  {'met' if mine / theirs >= target else 'MISSED'}"
                )  # fmt: skip
                print(f"{name:18} {mine:>10.0f} {theirs:>10.0f} {mine / theirs:>7.2f}  {verdict}")
        finally:
            bare.terminate()
            bare.wait()
    finally:
        ours.terminate()
        ours.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
